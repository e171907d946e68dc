"""Offline text classification of complaints: which dispute type (and so which lead department)
a text is, learned from the labelled cases in the database.

``model`` is pure (features, training, metrics); ``train`` reads the cases and stores a trained
model; ``active`` loads the stored model once per process and classifies with it.
"""
