"""The MNIST assignment: P4.0 warm-up, P4.1 kNN, P4.2 linear SVM, P4.3 two-layer net.

One module per part: warmup.py, knn.py, linear_svm.py, neural_net.py.
"""
