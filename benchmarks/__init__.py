"""Benchmarks: lossbook against keras.losses, and the execution time of every notebook."""
