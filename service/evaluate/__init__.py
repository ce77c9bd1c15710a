"""Evaluate: criterion x patient facts -> outcome, reason, evidence and the data still needed.

Absence is read two ways. A diagnosis, procedure, medication or allergy with no matching
record is absent (closed world: "no record of ..."), unless the caller said it could not
provide that resource type (``PatientFacts.not_provided``): then the absence is unknown and
the reason names the records not provided. A missing lab value, measurement, birth
date or sex is unknown (open world: the reason says what is needed). Retracted records never
reach this package (facts drops them). Unconfirmed, provisional and differential diagnoses
make a membership test unknown unless the criterion counts them ("confirmed or suspected").

One module per kind of node: ``labs``, ``records`` (diagnoses, medications, procedures,
courses, onsets, family history, allergies), ``patient`` (scores, age, sex); ``criterion``
turns node results into verdicts on registry lines, running the steps ``plan`` compiles once per
catalogue; ``evaluator`` holds the per-request evaluator and ``HANDLERS``, the one table from
node kind to its evaluation.
"""

from service.evaluate.criterion import evaluate_trial
from service.evaluate.evaluator import HANDLERS, Evaluator
from service.evaluate.numeric import (
    OP_WORDS,
    compare_interval,
    describe_test,
    lab_interval,
    numeric_truth,
    value_interval,
)
from service.evaluate.patient import SCORE_NAMES
from service.evaluate.plan import Plans, compile_plans
from service.evaluate.result import MAX_EVIDENCE, REVIEW_WORDS, CriterionResult, NodeResult

__all__ = [
    "HANDLERS",
    "MAX_EVIDENCE",
    "OP_WORDS",
    "REVIEW_WORDS",
    "SCORE_NAMES",
    "CriterionResult",
    "Evaluator",
    "NodeResult",
    "Plans",
    "compare_interval",
    "compile_plans",
    "describe_test",
    "evaluate_trial",
    "lab_interval",
    "numeric_truth",
    "value_interval",
]
