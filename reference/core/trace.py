"""Trace: what one implementation did with a scenario, as plain arrays, step by step."""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class StepRecord:
    """One forward pass and, at an SGD step, its backward pass and update.

    forward:  each Dropout's output, the model's "output" and the "loss" (data + penalties)
    backward: dL/dx and dL/dW, dL/db of every layer
    update:   every W and b after the SGD step
    keep_masks (reference traces only): for each Dropout, True where the implementation's output
                shows it kept an element (read by reference.core.torch_mirror on the trusted side)
    dropout_inputs (reference traces only): for each Dropout, the values it was given, as the
                trusted side computed them
    scales (reference traces with the layer's own scale only): for each Dropout, the factor its
                output shows it gave what it kept
    """
    forward: dict = field(default_factory=dict)
    backward: dict = field(default_factory=dict)
    update: dict = field(default_factory=dict)
    keep_masks: dict = field(default_factory=dict)
    dropout_inputs: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)


@dataclass
class Trace:
    """steps: StepRecords in order. kink_distance (reference traces only): how close the
    computation came to a point where a derivative jumps, relative to the values' scale."""
    steps: list = field(default_factory=list)
    kink_distance: float = float("inf")

    @property
    def max_magnitude(self):
        """The largest |value| anywhere in the trace (inf if any value is not finite)."""
        largest = 0.0
        for step in self.steps:
            for section in self.SECTIONS:
                for value in getattr(step, section).values():
                    value = np.abs(np.asarray(value, dtype=np.float64))
                    if value.size:
                        largest = max(largest, float(value.max()) if np.all(np.isfinite(value)) else np.inf)
        return largest

    SECTIONS = ("forward", "backward", "update")
