"""A by-target synthesis benchmark in the Auto-Pipeline layout, built from real tables that PyPI packages ship."""
