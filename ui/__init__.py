"""Shared Streamlit and Altair pieces: charts, inputs, the code panel, caches."""
