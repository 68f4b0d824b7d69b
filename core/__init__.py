"""The math of Attention Lab: pure numpy/torch, no Streamlit.

Every function accepts torch tensors on any device (or numpy arrays) with leading batch
dimensions and returns torch tensors on the input's device.
"""
