"""The 12345 hotline knowledge base: authoritative answers imported from articles and
tables, found from however a caller puts the question (issue 6)."""
