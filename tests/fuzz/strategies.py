"""Hypothesis strategies: JSON-ish values, nasty strings, envelopes and SQS records mutated
field by field from healthy ones (so most examples are *almost* valid)."""
from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

#: bounded, deterministic (CI), no example database; the fixtures are per test, and each
#: example isolates itself (fresh ids, queues drained)
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "50")), deadline=None,
                derandomize=True, database=None, print_blob=False,
                phases=[Phase.explicit, Phase.reuse, Phase.generate] + (
                    [] if os.environ.get("FUZZ_NO_SHRINK") else [Phase.shrink]),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])

NASTY_TEXT = ["", " ", "user 42", "ünï", "\ud800", "\x00", "\U0001F600" * 300, "x" * 1100,
              "a#b", "tab\t", "{", "null", "1e400", "-1", "NaN", "arn:aws:lambda:x",
              "counter:prod", "no such fn!"]
texts = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=12),
                  st.text(st.characters(exclude_categories=()), max_size=6))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), texts,
                    st.sampled_from([1e300, -0.0, 2**63]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)), max_leaves=6)
#: what a mutated field becomes: any JSON value, or the field is removed
DELETE = object()
field_values = st.one_of(json_values, st.just(DELETE))


def mutate(base: dict[str, Any], fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with some of ``fields`` replaced by arbitrary values or removed."""
    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        out = dict(base)
        for name in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
            value = draw(field_values)
            if value is DELETE:
                out.pop(name, None)
            else:
                out[name] = value
        return out
    return build()


ENVELOPE_FIELDS = ["v", "kind", "target", "actorId", "executionId", "id", "payload", "sentAt"]


def bodies(base: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A record body: the mutated envelope's JSON text (mostly), raw text, or not text."""
    as_text = mutate(base, ENVELOPE_FIELDS).map(lambda d: json.dumps(d))
    raw = st.one_of(texts, json_values.map(json.dumps), st.sampled_from(
        ['{"kind":"actor","sentAt":1e400}', "[" * 50, "", '{"kind": "actor"}']))
    return st.one_of(as_text, as_text, as_text, raw, json_values)


RECORD_FIELDS = ["messageId", "attributes", "messageAttributes", "eventSourceARN"]
ATTRIBUTE_FIELDS = ["ApproximateReceiveCount", "MessageGroupId"]


@st.composite
def records(draw: Any, base_record: dict[str, Any], base_body: dict[str, Any]) -> dict[str, Any]:
    """A Lambda SQS record mutated from ``base_record`` (its body from ``base_body``)."""
    record = draw(mutate(base_record, RECORD_FIELDS))
    record["body"] = draw(bodies(base_body))
    if isinstance(record.get("attributes"), dict):
        record["attributes"] = draw(mutate(record["attributes"], ATTRIBUTE_FIELDS))
    record["eventSource"] = "aws:sqs"
    return record
