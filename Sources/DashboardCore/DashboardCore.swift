import HyperOpt
