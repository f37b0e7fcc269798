"""Renderers: one module per output. They show a Plan; they never re-derive clinical facts."""
