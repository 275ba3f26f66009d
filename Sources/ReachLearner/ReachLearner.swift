public enum ReachLearnerPlaceholder {}
