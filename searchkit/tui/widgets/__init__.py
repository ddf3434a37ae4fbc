"""Widgets of the search screen: the query list and the results columns."""
