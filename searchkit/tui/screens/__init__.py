"""The app's screens: search, document, evaluation, indexing and help."""
