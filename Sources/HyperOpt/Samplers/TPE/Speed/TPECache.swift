/// Everything a TPE sampler keeps from one ask to the next, and only to do less work: the
/// study's sets already converted to rows (`HistoryMemo`), and the above side's kernels, edited
/// in place as the study grows (`KernelMemo`, `IncrementalAbove`). A value the sampler owns: no
/// lock, no sharing, and never a different proposal (the bit-for-bit tests compare a long-lived
/// sampler with a fresh one on every ask).
struct TPECache: Sendable {
    var history = HistoryMemo()
    var kernels = KernelMemo()
}
