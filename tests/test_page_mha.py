"""Multi-head page: layer stacking in core, and the page's controls, reveal and torch check."""

import torch
from conftest import app_test, charts, presenting_test, scrub_positions, scrub_start, scrub_to

from core.layers import max_difference_to_torch, residual_drift, seeded_layers, stack_layers
from core.multi_head import MultiHeadSelfAttention, column_owners, head_counts, split_heads
from core.qkv import init_projection


def test_stacking_equals_the_manual_loop_and_drift_of_one_layer():
    X = torch.randn(6, 8, generator=torch.Generator().manual_seed(3))
    layers = [MultiHeadSelfAttention(8, 2, seed=10 * i) for i in range(3)]
    inputs, results = stack_layers(X, layers)
    x = X
    with torch.no_grad():
        for layer, given in zip(layers, inputs):
            torch.testing.assert_close(given, x)
            x = x + layer(x).output
    torch.testing.assert_close(inputs[-1], x)
    assert len(inputs) == 4 and len(results) == 3
    one, _ = stack_layers(X, layers[:1])
    drift = residual_drift(one)
    assert len(drift) == 1 and abs(drift[0] - float(results[0].output.norm(dim=-1).mean())) < 1e-6
    assert max_difference_to_torch(layers[0], X) < 1e-5


def test_head_counts_split_evenly_and_column_owners_match_split_heads():
    assert head_counts(12) == [1, 2, 3, 4, 6, 12] and head_counts(7) == [1, 7]
    for d_model in (8, 12, 16):
        for heads in head_counts(d_model):
            owners = torch.tensor(column_owners(d_model, heads), dtype=torch.float32)
            split = split_heads(owners[None], heads)  # (heads, 1, d_head): each head's block of the owner row
            assert all(bool((split[h] == h).all()) for h in range(heads))


def test_seeded_layers_keep_lower_layers_when_one_is_added():
    two, three = seeded_layers(8, 2, 2, seed=4), seeded_layers(8, 2, 3, seed=4)
    for a, b in zip(two, three):
        torch.testing.assert_close(a.w_o, b.w_o)
    torch.testing.assert_close(three[2].w_k.detach(), init_projection(8, 8, 4 + 20 + 1))


def test_the_page_holds_back_the_split_and_matches_torch():
    at = app_test("lessons/multi_head.py")
    assert not at.exception
    assert not any("Which columns" in m.value for m in at.markdown)
    assert at.metric[0].value in ("0 (identical here)",) or "× 10⁻" in at.metric[0].value
    at.radio(key="mha_predict_16_4").set_value("4").run()
    assert any(s.value.startswith("Right") for s in at.success)
    assert any("Which columns" in m.value for m in at.markdown)


HEAD_MAP = "mha_head_scrub"


def test_every_control_at_both_ends():
    at = app_test("lessons/multi_head.py")
    for d_model in (8, 64, 16):
        at.select_slider(key="mha_d_model").set_value(d_model).run()
        assert not at.exception
    for heads in (1, 16):
        at.select_slider(key="mha_heads_16").set_value(heads).run()
        assert not at.exception
    head_map = next(spec for spec in charts(at) if spec.get("title") == "head 1")  # opens on head 1
    assert scrub_start(head_map) == {"mha_head_16": 1}
    n = len({r["row"] for r in head_map["data"]["values"]})
    assert len(head_map["data"]["values"]) == 16 * n * n  # every head's map travels with the chart
    scrub_to(at, HEAD_MAP, mha_head_16=16)
    assert any("head 16" in c.value for c in at.caption) or scrub_positions(at, HEAD_MAP)["mha_head_16"] == 16
    at.slider(key="mha_layers").set_value(6).run()
    head_map = next(spec for spec in charts(at) if spec.get("title") == "layer 6, head 16")  # the top layer
    assert {r["mha_shown_6"] for r in head_map["data"]["values"]} == set(range(1, 7))
    scrub_to(at, HEAD_MAP, mha_shown_6=1)  # another layer: the whole page follows
    at.toggle(key="mha_pe").set_value(False).run()
    assert not at.exception
    assert any(h.value.startswith("Layer 1: 16 heads") for h in at.header)
    assert any(c.value.startswith("Every head of layer 1.") for c in at.caption)
    assert any(m.value.startswith("Each layer adds") for m in at.markdown)
    at.slider(key="mha_layers").set_value(1).run()
    assert not at.exception and not any(h.value == "Stacking layers" for h in at.header)


def test_presenter_mode_waits_behind_next():

    at = presenting_test("lessons/multi_head.py")
    assert not at.exception and [h.value for h in at.header] == ["Layer 1: 4 heads"]
    assert any("Next: One attention map" in b.label for b in at.button)
