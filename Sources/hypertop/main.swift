import HyperOpt
print("hypertop")
