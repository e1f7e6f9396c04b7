"""The partnerships pages. One module per concept: partnerships, twinnings, agreements, plans."""
