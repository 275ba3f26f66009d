// Placeholder so the target builds; the store and scheduler land here.
import HyperOpt
