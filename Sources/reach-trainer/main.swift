import ReachLearner
print("reach-trainer: not built yet")
