"""The pure part of the hotline knowledge base: extraction, normalisation, ranking."""
