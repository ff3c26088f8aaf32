"""Threshold and change alarms on engine snapshots (docs/ALARMS.md).

Pure logic (`rules`, `evaluator`, `stepper`) plus the delivery shell
(`output`, `delivery`) used by `wallboard alerts`.
"""

from wallboard.alarms.evaluator import Evaluator, Transition, fingerprint
from wallboard.alarms.rules import Rule, RulesError, load_rules, parse_rules
from wallboard.alarms.stepper import AlarmStepper

__all__ = [
    "AlarmStepper",
    "Evaluator",
    "Rule",
    "RulesError",
    "Transition",
    "fingerprint",
    "load_rules",
    "parse_rules",
]
