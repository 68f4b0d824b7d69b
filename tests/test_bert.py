"""core/bert.py, the app's own BERT forward, against Hugging Face transformers on the bundled MiniLM.

transformers is the reference here and only here: the app never imports it (the last test checks).
"""

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

import pytest
import torch
import torch.nn.functional as F
from conftest import ROOT

from core import bert
from core.model import MAX_MODEL_TOKENS, ModelLoadError, ablate_context, bundled_model_path, load_encoder

ANIMAL = "The animal didn't cross the road because it was tired"
FORTY_WORDS = (
    "When the old fisherman finally returned to the harbour after three long days at sea, the whole village "
    "gathered on the pier to hear how he had survived the storm that sank two larger boats near the rocks last night"
)
LONG = "Attention lets every token look at every other token. " * 40  # 441 pieces: cut to 256
TEXTS = {
    "short": "short one",
    "animal": ANIMAL,
    "forty words": FORTY_WORDS,
    "over 256 pieces": LONG,
    "exactly 256": "word " * 254,
    "257, cut": "word " * 255,
    "unicode and specials": "Café naïve RÉSUMÉ 北京 🙂 [CLS] [MASK] x\x00y don't  tabs\tand\nnewlines",
}


@pytest.fixture(scope="module")
def hf():
    """The same folder through transformers' own BertModel (eager attention, so it reports weights)."""
    from transformers import AutoModel

    return AutoModel.from_pretrained(bundled_model_path(), attn_implementation="eager").eval()


@pytest.fixture(scope="module")
def hf_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(bundled_model_path())


def test_forty_words_is_forty_words():
    assert len(FORTY_WORDS.split()) == 40


@torch.no_grad()
def hf_run(hf, hf_tokenizer, text: str):
    encoded = hf_tokenizer(text, truncation=True, max_length=MAX_MODEL_TOKENS, return_tensors="pt")
    out = hf(**encoded, output_attentions=True, output_hidden_states=True)
    return encoded["input_ids"][0], torch.stack(out.hidden_states)[:, 0], torch.stack(out.attentions)[:, 0]


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_tokens_and_ids_are_autotokenizers(encoder, hf_tokenizer, text):
    encoding, truncated = encoder._encode(text)
    theirs = hf_tokenizer(text, truncation=True, max_length=MAX_MODEL_TOKENS)["input_ids"]
    assert encoding.ids == theirs
    assert encoder.run(text).tokens == hf_tokenizer.convert_ids_to_tokens(theirs)
    assert truncated == (len(hf_tokenizer(text)["input_ids"]) > MAX_MODEL_TOKENS)


def test_vocabulary_and_word_pieces_are_autotokenizers(encoder, hf_tokenizer):
    assert encoder.vocabulary() == hf_tokenizer.convert_ids_to_tokens(list(range(encoder.static_table.shape[0])))
    for word in ("bank", "smartphones", "Tokenization", "naïve", "北京", "🙂", "", "x" * 150):
        assert encoder.word_pieces(word) == hf_tokenizer.tokenize(word[:100]), word


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_every_hidden_state_and_attention_weight_is_transformers(encoder, hf, hf_tokenizer, text):
    ids, hidden_states, attentions = hf_run(hf, hf_tokenizer, text)
    run = encoder.run(text)
    assert run.hidden_states.shape == hidden_states.shape and run.attentions.shape == attentions.shape
    assert (run.hidden_states - hidden_states).abs().max() <= 1e-5
    assert (run.attentions - attentions).abs().max() <= 1e-5
    torch.testing.assert_close(run.static, hf.embeddings.word_embeddings.weight[ids].detach(), atol=0, rtol=0)


@contextmanager
def hooked(hf, silenced: dict[int, list[int]], mode: str):
    """The old way to silence heads: a forward pre-hook on each layer's attention output projection
    edits its input (the concatenated heads) with ablate_context."""
    d_head = hf.config.hidden_size // hf.config.num_attention_heads
    handles = []
    try:
        for layer, heads in silenced.items():

            def hook(module, args, heads=heads):
                return (ablate_context(args[0], heads, d_head, mode), *args[1:])

            handles.append(hf.encoder.layer[layer].attention.output.dense.register_forward_pre_hook(hook))
        yield
    finally:
        for handle in handles:
            handle.remove()


@pytest.mark.parametrize("mode", ["zero", "mean"])
@pytest.mark.parametrize(
    "silenced", [{5: [11]}, {0: list(range(12))}, {1: [0, 5], 4: [11]}, {layer: [3] for layer in range(6)}]
)
def test_ablation_is_the_hook_based_way(encoder, hf, hf_tokenizer, silenced, mode):
    heads = {(layer, head) for layer, chosen in silenced.items() for head in chosen}
    with hooked(hf, silenced, mode):
        _, hidden_states, attentions = hf_run(hf, hf_tokenizer, FORTY_WORDS)
    run = encoder.run(FORTY_WORDS, ablate=heads, mode=mode)
    assert (run.hidden_states - hidden_states).abs().max() <= 1e-5
    assert (run.attentions - attentions).abs().max() <= 1e-5
    plain = encoder.run(FORTY_WORDS)
    assert (run.hidden_states[-1] - plain.hidden_states[-1]).abs().max() > 1e-3, "silencing changed something"


def test_gelu_and_layer_norm_are_torchs():
    x = torch.linspace(-8, 8, 1001).reshape(7, 143)
    torch.testing.assert_close(bert.gelu(x), F.gelu(x), atol=1e-6, rtol=0)
    weight, bias = torch.rand(143) + 0.5, torch.randn(143)
    torch.testing.assert_close(
        bert.scaled_layer_norm(x * 3 + 1, weight, bias, 1e-12), F.layer_norm(x * 3 + 1, (143,), weight, bias, 1e-12)
    )


def test_a_batch_is_each_sentence_on_its_own(encoder):
    ids = torch.tensor([encoder._encode(text)[0].ids for text in ("the cat sat on a mat", "a dog ran in the park")])
    batch = bert.bert_forward(encoder.weights, ids, {2: [1, 7]}, "mean")
    assert batch.hidden_states.shape == (7, 2, ids.shape[1], 384) and batch.attentions.shape == (6, 2, 12, 8, 8)
    for i in range(2):
        alone = bert.bert_forward(encoder.weights, ids[i], {2: [1, 7]}, "mean")
        torch.testing.assert_close(batch.hidden_states[:, i], alone.hidden_states, atol=1e-5, rtol=0)
        # float32 products of a batch and of one sentence go through differently blocked kernels: on this
        # machine's CPU they differ by up to 1.1e-6 in a weight (a few units in the last place of 1.0)
        torch.testing.assert_close(batch.attentions[:, i], alone.attentions, atol=3e-6, rtol=0)


def test_too_many_positions_is_a_clear_error(encoder):
    with pytest.raises(ValueError, match="positions for 512"):
        bert.bert_forward(encoder.weights, torch.zeros(513, dtype=torch.long))


def copy_of_the_model(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(bundled_model_path(), folder)
    return folder


@pytest.mark.parametrize(
    "breakage, reason",
    [
        (lambda f: (f / "tokenizer.json").unlink(), "no tokenizer.json"),
        (lambda f: (f / "model.safetensors").unlink(), "no model.safetensors"),
        (lambda f: (f / "model.safetensors").write_bytes(b"\x02" + bytes(7) + b"{}"), "weights lack"),
        (lambda f: (f / "model.safetensors").write_bytes(b"not a safetensors file"), "Could not load"),
        (lambda f: (f / "config.json").write_text("{ not json"), "Could not load"),
    ],
    ids=["no tokenizer", "no weights", "empty weights", "garbage weights", "broken config"],
)
def test_a_broken_folder_is_a_readable_error(tmp_path, breakage, reason):
    folder = copy_of_the_model(tmp_path)
    breakage(folder)
    with pytest.raises(ModelLoadError, match=reason):
        load_encoder(str(folder), device="cpu")


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"model_type": "roberta"}, "not 'bert'"),
        ({"hidden_act": "gelu_new"}, "hidden_act"),
        ({"position_embedding_type": "relative_key"}, "absolute"),
    ],
)
def test_a_model_this_code_does_not_run_is_a_readable_error(tmp_path, change, reason):
    folder = copy_of_the_model(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(ModelLoadError, match=reason):
        load_encoder(str(folder), device="cpu")


def test_a_task_checkpoint_with_bert_prefix_and_old_names_loads(encoder):
    state = {}
    for name, key in bert.EMBEDDING_KEYS.items():
        state["bert." + key.replace("LayerNorm.weight", "LayerNorm.gamma")] = getattr(encoder.weights, name)
    for i, layer in enumerate(encoder.weights.layers):
        for name, key in bert.LAYER_KEYS.items():
            state[f"bert.encoder.layer.{i}.{key.replace('LayerNorm.bias', 'LayerNorm.beta')}"] = getattr(layer, name)
    rebuilt = bert.weights_from_state_dict(state, encoder.weights.config)
    ids = torch.tensor(encoder._encode(ANIMAL)[0].ids)
    torch.testing.assert_close(
        bert.bert_forward(rebuilt, ids).hidden_states, bert.bert_forward(encoder.weights, ids).hidden_states
    )


NO_TRANSFORMERS = """
import sys
import core.model
encoder = core.model.load_encoder(device="cpu")
encoder.run("The animal didn't cross the road because it was tired")
encoder.sentence_embedding("a sentence")
heavy = sorted(name for name in ("transformers", "sentence_transformers", "huggingface_hub") if name in sys.modules)
print("imported:", heavy)
"""


def test_the_app_loads_and_runs_the_model_without_importing_transformers():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", NO_TRANSFORMERS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "imported: []"
