"""Results: the SQL store, outcome and inequality metrics, comparisons, figures and reports."""
