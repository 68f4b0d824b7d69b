"""The pages in learning order: one list that the navigation and the home page both read."""

from typing import NamedTuple


class PageInfo(NamedTuple):
    path: str
    title: str
    icon: str
    teaches: str


HOME = PageInfo("lessons/home.py", "Home", ":material/home:", "What this lab teaches and where to start.")

LESSONS = [
    PageInfo(
        "lessons/why_attention.py",
        "Why attention",
        ":material/help:",
        "What RNNs and LSTMs could not do: one word per step, one small memory, early words fading "
        "— measured with autograd.",
    ),
    PageInfo(
        "lessons/static_embeddings.py",
        "Static embeddings",
        ":material/scatter_plot:",
        "Words as vectors: one-hot vs dense, similarity, king − man + woman, and why "
        "'bank' has one vector whatever the sentence.",
    ),
    PageInfo(
        "lessons/first_principles.py",
        "First-principles attention",
        ":material/hub:",
        "Attention with no parameters at all: scores = E·Eᵀ, softmax by row, outputs = "
        "weights·E — every number on screen, editable.",
    ),
    PageInfo(
        "lessons/positional_encoding.py",
        "Positional encoding",
        ":material/format_list_numbered:",
        "Attention ignores order until we add sinusoidal positions: the cat/mat permutation test.",
    ),
    PageInfo(
        "lessons/qkv.py",
        "Queries, keys, values",
        ":material/key:",
        "Learned W_q, W_k, W_v, every intermediate matrix, the causal mask, and the √d_k experiment.",
    ),
    PageInfo(
        "lessons/multi_head.py",
        "Multi-head attention",
        ":material/view_column:",
        "Several heads side by side, concatenated and projected; stacked layers; checked against PyTorch.",
    ),
    PageInfo(
        "lessons/train_attention.py",
        "Train attention live",
        ":material/model_training:",
        "A one-head model learns, in seconds, to point a pronoun at the right noun — replay every step.",
    ),
    PageInfo(
        "lessons/real_model.py",
        "Inside a real model",
        ":material/psychology:",
        "All-MiniLM-L6-v2: 6 layers × 12 heads of real attention, 'it' → 'animal', static vs "
        "contextual 'bank', and one head rebuilt from its weights.",
    ),
    PageInfo(
        "lessons/cost.py",
        "Cost of attention",
        ":material/speed:",
        "Time and memory of RNN vs attention as n grows, measured here, with fitted exponents and "
        "the paper's complexity table.",
    ),
]
