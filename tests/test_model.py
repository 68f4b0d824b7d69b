"""The real bundled MiniLM, offline. No mocks."""

import time

import pytest
import torch
import torch.nn.functional as F

from core.embeddings import cosine_similarity
from core.model import MAX_MODEL_TOKENS, ModelLoadError, ablate_context, load_encoder, mean_pooling
from core.multi_head import multi_head_attention

ANIMAL = "The animal didn't cross the road because it was tired"
LONG = "Attention lets every token look at every other token. " * 40  # well over 256 pieces


@pytest.fixture(scope="module")
def reference():
    """sentence-transformers' own pipeline on the same bundled model, to compare against."""
    from sentence_transformers import SentenceTransformer

    from core.model import bundled_model_path

    return SentenceTransformer(bundled_model_path(), device="cpu")


def test_shapes(encoder):
    run = encoder.run(ANIMAL)
    n = len(run.tokens)
    assert run.tokens[0] == "[CLS]" and run.tokens[-1] == "[SEP]" and "animal" in run.tokens
    assert (encoder.n_layers, encoder.n_heads, encoder.d_model) == (6, 12, 384)
    assert run.static.shape == (n, 384)
    assert run.hidden_states.shape == (7, n, 384)
    assert run.attentions.shape == (6, 12, n, n)
    torch.testing.assert_close(run.attentions.sum(-1), torch.ones(6, 12, n))
    assert encoder.static_table.shape == (30522, 384)


@pytest.mark.parametrize("layer", range(6))
def test_a_head_rebuilt_alone_matches_the_forward(encoder, layer):
    for head in (0, 5, 11):
        alone, forward = encoder.rebuild_head(encoder.run(ANIMAL), layer, head)
        assert (alone - forward).abs().max() <= 1e-5
    alone, forward = encoder.rebuild_head(encoder.run(ANIMAL), layer, 3)
    other = encoder.run(ANIMAL).attentions[layer, 4]
    assert (alone - other).abs().max() > 1e-2, "a neighbouring head's map is another map: the check can fail"


def test_rebuilding_a_head_that_does_not_exist_is_a_clear_error(encoder):
    with pytest.raises(ValueError, match="no head"):
        encoder.rebuild_head(encoder.run(ANIMAL), 6, 0)


def test_static_bank_is_one_vector_contextual_bank_is_not(encoder):
    money = encoder.run("I went to the bank to deposit money")
    river = encoder.run("We sat on the bank of the river")
    i, j = money.tokens.index("bank"), river.tokens.index("bank")
    static = cosine_similarity(money.static[i][None], river.static[j][None])
    assert float(static) == pytest.approx(1.0, abs=1e-6)
    last = cosine_similarity(money.hidden_states[-1, i][None], river.hidden_states[-1, j][None])
    assert float(last) < 0.8


def test_hidden_states_match_sentence_transformers_output(encoder, reference):
    theirs = reference.encode(ANIMAL, output_value="token_embeddings", convert_to_tensor=True)
    torch.testing.assert_close(encoder.run(ANIMAL).hidden_states[-1], theirs.cpu(), atol=1e-4, rtol=1e-4)


def test_truncation_flag(encoder):
    run = encoder.run("word " * 400)
    assert run.truncated and len(run.tokens) == MAX_MODEL_TOKENS
    assert not encoder.run("short one").truncated


def test_empty_text_is_a_clear_error(encoder):
    with pytest.raises(ValueError, match="no tokens"):
        encoder.run("   ")


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="Could not load"):
        load_encoder(str(tmp_path), device="cpu")


def test_256_pieces_fit_and_257_are_truncated(encoder):
    start = time.perf_counter()
    run = encoder.run("word " * 254)  # 254 pieces + [CLS] + [SEP]
    seconds = time.perf_counter() - start
    print(f"one run at {len(run.tokens)} pieces: {seconds:.2f} s")
    assert len(run.tokens) == 256 == MAX_MODEL_TOKENS and not run.truncated
    assert run.attentions.shape == (6, 12, 256, 256)
    longer = encoder.run("word " * 255)
    assert len(longer.tokens) == 256 and longer.truncated and longer.tokens[-1] == "[SEP]"


@pytest.mark.parametrize("text", [ANIMAL, "short one", LONG])
def test_sentence_embedding_is_what_sentence_transformers_encodes(encoder, reference, text):
    ours = encoder.sentence_embedding(text)
    theirs = reference.encode(text, convert_to_tensor=True).cpu()
    assert ours.shape == (384,) and float(ours.norm()) == pytest.approx(1.0, abs=1e-6)
    assert (ours - theirs).abs().max() <= 1e-5


def test_mean_pooling_ignores_masked_tokens():
    tokens = torch.tensor([[1.0, 2], [3, 4], [100, 100]])
    torch.testing.assert_close(mean_pooling(tokens, torch.tensor([1, 1, 0])), torch.tensor([2.0, 3]))
    torch.testing.assert_close(mean_pooling(tokens[:2]), torch.tensor([2.0, 3]))


def test_ablate_context_by_hand():
    context = torch.tensor([[1.0, 2, 3, 4], [5, 6, 7, 8]])  # 2 tokens, 2 heads of 2 columns
    torch.testing.assert_close(ablate_context(context, [1], 2), torch.tensor([[1.0, 2, 0, 0], [5, 6, 0, 0]]))
    torch.testing.assert_close(ablate_context(context, [0], 2, "mean"), torch.tensor([[3.0, 4, 3, 4], [3, 4, 7, 8]]))
    assert context[0, 0] == 1, "the input is left as it was"
    with pytest.raises(ValueError, match="mode"):
        ablate_context(context, [0], 2, "half")


def test_ablating_nothing_changes_nothing(encoder):
    plain = encoder.run(ANIMAL)
    for mode in ("zero", "mean"):
        same = encoder.run(ANIMAL, ablate=frozenset(), mode=mode)
        assert (same.hidden_states - plain.hidden_states).abs().max() <= 1e-6
        assert (same.attentions - plain.attentions).abs().max() <= 1e-6
    assert encoder.ablation_effect(plain, encoder.run(ANIMAL, [])) == pytest.approx(1.0, abs=1e-6)


def test_ablation_leaves_no_trace(encoder):
    plain = encoder.run(ANIMAL)
    encoder.run(ANIMAL, ablate={(2, 3), (2, 4), (5, 0)})
    with pytest.raises(ValueError):
        encoder.run(ANIMAL, ablate={(1, 1), (9, 9)})
    assert (encoder.run(ANIMAL).hidden_states - plain.hidden_states).abs().max() == 0


def test_bad_heads_and_modes_are_clear_errors(encoder):
    with pytest.raises(ValueError, match="no head"):
        encoder.run(ANIMAL, ablate={(6, 0)})
    with pytest.raises(ValueError, match="no head"):
        encoder.run(ANIMAL, ablate={(0, 12)})
    with pytest.raises(ValueError, match="mode"):
        encoder.run(ANIMAL, ablate={(0, 0)}, mode="half")
    with pytest.raises(ValueError, match="mode"):
        encoder.run(ANIMAL, mode="half")


@pytest.fixture(scope="module")
def hf():
    """transformers' BertModel on the same folder: only its weights are used below."""
    from transformers import AutoModel

    from core.model import bundled_model_path

    return AutoModel.from_pretrained(bundled_model_path(), attn_implementation="eager").eval()


@torch.no_grad()
def forward_by_hand(hf, h0: torch.Tensor, silenced: dict[int, list[int]], mode: str = "zero") -> torch.Tensor:
    """(n, d) embeddings output -> (layers + 1, n, d): every layer rebuilt from the transformers model's
    weights with core.multi_head and torch's own layer_norm and gelu (no BERT modules called, nothing
    from core/bert.py); the silenced heads' outputs are set to 0 or to their mean over tokens before
    the output projection."""
    states, h = [h0], h0
    n_heads = hf.config.num_attention_heads
    d_head = hf.config.hidden_size // n_heads
    for index, layer in enumerate(hf.encoder.layer):
        q, k, v = layer.attention.self.query, layer.attention.self.key, layer.attention.self.value
        w_o, ln1 = layer.attention.output.dense, layer.attention.output.LayerNorm
        heads = multi_head_attention(
            h, q.weight.T, k.weight.T, v.weight.T, w_o.weight.T, n_heads, b_q=q.bias, b_k=k.bias, b_v=v.bias
        )
        concat = heads.concat.clone()
        for head in silenced.get(index, []):
            block = concat[:, head * d_head : (head + 1) * d_head]
            block[:] = 0 if mode == "zero" else block.mean(0)
        attended = concat @ w_o.weight.T + w_o.bias  # all heads zero: just the bias
        h = F.layer_norm(h + attended, h.shape[-1:], ln1.weight, ln1.bias, ln1.eps)
        up, down, ln2 = layer.intermediate.dense, layer.output.dense, layer.output.LayerNorm
        feed_forward = F.gelu(h @ up.weight.T + up.bias) @ down.weight.T + down.bias
        h = F.layer_norm(h + feed_forward, h.shape[-1:], ln2.weight, ln2.bias, ln2.eps)
        states.append(h)
    return torch.stack(states)


def test_forward_by_hand_matches_the_model(encoder, hf):
    run = encoder.run(ANIMAL)
    torch.testing.assert_close(forward_by_hand(hf, run.hidden_states[0], {}), run.hidden_states, atol=1e-4, rtol=0)


@pytest.mark.parametrize("layer", [0, 3, 5])
def test_ablating_a_whole_layer_leaves_only_the_output_bias(encoder, hf, layer):
    plain = encoder.run(ANIMAL)
    ablated = encoder.run(ANIMAL, ablate={(layer, head) for head in range(12)})
    by_hand = forward_by_hand(hf, plain.hidden_states[0], {layer: list(range(12))})
    torch.testing.assert_close(ablated.hidden_states, by_hand, atol=1e-4, rtol=0)
    # the layers below are untouched, the layer itself changes
    assert (ablated.hidden_states[: layer + 1] - plain.hidden_states[: layer + 1]).abs().max() <= 1e-6
    assert (ablated.hidden_states[layer + 1] - plain.hidden_states[layer + 1]).abs().max() > 0.1
    # the silenced layer's own weights are still reported as they were
    torch.testing.assert_close(ablated.attentions[: layer + 1], plain.attentions[: layer + 1], atol=1e-6, rtol=0)


def test_mean_ablation_of_some_heads_matches_the_hand_forward(encoder, hf):
    silenced = {1: [0, 5], 4: [11]}
    ablated = encoder.run(ANIMAL, ablate={(1, 0), (1, 5), (4, 11)}, mode="mean")
    by_hand = forward_by_hand(hf, ablated.hidden_states[0], silenced, mode="mean")
    torch.testing.assert_close(ablated.hidden_states, by_hand, atol=1e-4, rtol=0)
    zeroed = encoder.run(ANIMAL, ablate={(1, 0), (1, 5), (4, 11)})
    assert (zeroed.hidden_states[2] - ablated.hidden_states[2]).abs().max() > 1e-3, "the two modes differ"


def test_ablation_effect_and_pair_similarity(encoder, reference):
    whole_first_layer = {(0, head) for head in range(12)}
    effect = encoder.ablation_effect(encoder.run(ANIMAL), encoder.run(ANIMAL, whole_first_layer))
    assert 0 < effect < 0.999
    silenced, plain = encoder.sentence_embedding(ANIMAL, whole_first_layer), encoder.sentence_embedding(ANIMAL)
    assert effect == pytest.approx(float(silenced @ plain), abs=1e-6)  # both unit length: the dot is the cosine
    other = "The creature was too exhausted to get across the street"
    a, b = reference.encode([ANIMAL, other], convert_to_tensor=True).cpu()
    assert encoder.pair_similarity(ANIMAL, other) == pytest.approx(float(a @ b), abs=1e-5)
    assert encoder.pair_similarity(ANIMAL, other, whole_first_layer) == pytest.approx(
        encoder.pair_similarity(other, ANIMAL, whole_first_layer), abs=1e-6
    )
