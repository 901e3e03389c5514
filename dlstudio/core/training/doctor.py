"""The training doctor: plain-words diagnoses from a run's event stream (no Qt, no Keras).

:class:`Doctor` reads the events a run emits and, after each epoch, returns ``message`` events
for the pathologies of the usual troubleshooting table — each once per run, with the evidence,
the likely cause and the fix:

- the loss became NaN or infinite, or grew well above where it started (learning rate too
  high);
- the gradient norm exploded, or vanished (``Epoch.diagnostics``);
- the loss stopped decreasing (learning rate too low or too high: the learning-rate finder
  tells);
- validation loss rising while training loss falls (overfitting);
- validation accuracy frozen while the loss moves (predictions collapsed to one class);
- most ReLU units dead (never active on a validation batch);
- no better than a trivial model (the most common class, the mean: ``Started.baselines``);
- inputs far from normalised (the numbers entering the first layer);
- a GAN's discriminator loss near 0 (it wins every time, so the generator learns nothing);
- a GAN's samples that stopped varying (mode collapse), from the sample grid's diversity.

Where the fix is a setting, the hint carries it as a data health
:class:`~dlstudio.core.data.health.findings.Fix` (``Message.fix``), unless the project already
has it; the GUI's Train view offers it as a button. The run loop's event log asks the doctor
after every event, so the hints reach the Train view, ``dlstudio train`` and ``events.jsonl``
like any other ``message``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dlstudio.core.data.health.classes import BALANCED_WEIGHTS
from dlstudio.core.data.health.findings import Fix, fix_applied
from dlstudio.core.training.events import Epoch, Message, Started

PATIENCE = 3
EXPLODING = 1.5
STALLED = 0.99
CONVERGED = 0.7
"""A loss already below this share of its first epoch's has learned: a plateau there is
convergence (an autoencoder's error falls a thousandfold, a VAE's by a third, then levels), not
a learning rate that fails to move it."""
DISCRIMINATOR_WON = 0.05  # d_loss below this for PATIENCE - 1 epochs in a row
COLLAPSED_DIVERSITY = 0.2  # samples this much less varied than real images
VARIED_DIVERSITY = 0.4  # a generator that once reached this and fell back has collapsed
FIRST_EPOCHS = 10  # a generator's first samples are alike; only this long is it a problem
GRADIENT_GROWTH = 100.0
VANISHED = 1e-6
DEAD_SHARE = 0.5
BASELINE_MARGIN = 0.01
IMBALANCED = 0.6
"""A most common class this large makes a trivial model look good: balanced weights help."""
INPUT_SCALE = 20.0
HIGH_RATE = 0.1
"""A stalled loss at this learning rate or above is offered a ten times lower one."""
_TRIVIAL_MODELS = {"accuracy": "always predicting the most common class",
                   "mae": "always predicting the mean"}
HINT_PREFIX = "Training doctor: "
"""What every hint's text starts with (the GUI shows such messages as hints)."""
FINDER = ("Run the learning-rate finder (Find… beside the learning rate, or `dlstudio lr-find "
          "PROJECT`) for a rate that suits this model.")


@dataclass(frozen=True)
class Hint:
    """One diagnosis: ``key`` (told once per run), the text and the fix, if a setting."""

    key: str
    text: str
    fix: Fix | None = None


def learning_rate_fix(rate: float) -> Fix:
    """Set the learning rate to ``rate`` (three significant digits)."""
    rate = float(f"{rate:.3g}")
    return Fix(f"Set the learning rate to {rate:g}", {"training.learning_rate": rate})


EARLY_STOPPING = Fix("Turn on early stopping", {"training.early_stopping.enabled": True})
CLIP_GRADIENTS = Fix("Clip gradients at norm 1", {"training.clip_mode": "norm",
                                                  "training.clip_value": 1.0})
HE_INITIALIZER = Fix("Start weights with He initialisation",
                     {"training.initializer": "he_normal"})


class Doctor:
    """Watches one run's events and says what looks wrong, once per problem.

    Args:
        project: The project being trained: fixes it already has are not offered.
    """

    def __init__(self, project: Any = None) -> None:
        self.project = project
        self.epochs: list[dict[str, float]] = []
        self.diagnostics: list[tuple[int, dict[str, float]]] = []  # (epoch, measurements)
        self.baselines: dict[str, float] = {}
        self.learning_rate = 0.0
        self.told: set[str] = set()

    def observe(self, event: Any) -> list[Message]:
        """Take one event; return the hints it gives rise to (often none)."""
        if isinstance(event, Started):
            self.__init__(self.project)
            self.baselines = dict(event.baselines)
            return []
        if not isinstance(event, Epoch):
            return []
        self.epochs.append(dict(event.logs))
        self.diagnostics.append((event.epoch, dict(event.diagnostics)))
        # the project's rate, which a fix changes (a schedule moves the epoch's rate)
        self.learning_rate = (self.project.training.learning_rate if self.project is not None
                              else event.learning_rate)
        messages = []
        for rule in (self._not_a_number, self._exploding, self._gradients_exploding,
                     self._gradients_vanishing, self._stalled, self._overfitting,
                     self._collapsed, self._dead_relus, self._trivial, self._unnormalised,
                     self._gan_not_a_number, self._discriminator_won, self._mode_collapse):
            hint = rule()
            if hint is not None and hint.key not in self.told:
                self.told.add(hint.key)
                messages.append(self._message(hint))
        return messages

    def _message(self, hint: Hint) -> Message:
        fix = hint.fix
        if fix is not None and self.project is not None and fix_applied(self.project, fix):
            fix = None
        return Message("warning", HINT_PREFIX + hint.text,
                       fix.to_json() if fix is not None else None)

    def _series(self, key: str) -> list[float]:
        return [logs[key] for logs in self.epochs if key in logs]

    def _measured(self, key: str) -> list[tuple[int, float]]:
        """The epochs where the probe measured ``key`` (not every epoch), with the values."""
        return [(epoch, values[key]) for epoch, values in self.diagnostics if key in values]

    def _lower_fix(self) -> Fix | None:
        return learning_rate_fix(self.learning_rate / 10) if self.learning_rate else None

    def _lower(self) -> str:
        return f"{self.learning_rate / 10:.3g}" if self.learning_rate else "a tenth of it"

    def _not_a_number(self) -> Hint | None:
        loss = self._series("loss")
        if loss and not math.isfinite(loss[-1]):
            return Hint("nan", f"the loss became {loss[-1]} at epoch {len(loss)}. The weights "
                        "blew up, usually from a learning rate too high or unscaled inputs. "
                        f"Fix: lower the learning rate (try {self._lower()}), keep "
                        "preprocessing on, or clip gradients.", self._lower_fix())
        return None

    def _exploding(self) -> Hint | None:
        loss = self._series("loss")
        if len(loss) >= 2 and math.isfinite(loss[-1]) and loss[-1] > EXPLODING * loss[0] > 0:
            return Hint("exploding", f"the loss rose from {loss[0]:.4g} (epoch 1) to "
                        f"{loss[-1]:.4g} (epoch {len(loss)}): the learning rate "
                        f"({self.learning_rate:.3g}) is likely too high. Fix: lower it, to "
                        f"{self._lower()} for example.", self._lower_fix())
        return None

    def _gradients_exploding(self) -> Hint | None:
        norms = self._measured("gradient_norm")
        if len(norms) < 2:
            return None
        (first_epoch, first), (epoch, last) = norms[0], norms[-1]
        if not first > 0 or not last > GRADIENT_GROWTH * first:
            return None
        clipped = self.project is not None and self.project.training.clip_mode != "none"
        fix = self._lower_fix() if clipped else CLIP_GRADIENTS
        return Hint("gradients_exploding", f"the gradient norm grew from {first:.3g} "
                    f"(epoch {first_epoch}) to {last:.3g} (epoch {epoch}): updates are getting "
                    "huge and training will diverge. Fix: clip gradients (norm 1 is a safe "
                    f"start) or lower the learning rate (to {self._lower()}).", fix)

    def _gradients_vanishing(self) -> Hint | None:
        norms, loss = self._measured("gradient_norm"), self._series("loss")
        if len(norms) < 2 or norms[-1][1] >= VANISHED or not loss or loss[-1] < 1e-3:
            return None
        epoch, norm = norms[-1]
        return Hint("gradients_vanishing", f"the gradients have all but vanished (norm "
                    f"{norm:.2g} at epoch {epoch}) while the loss is still "
                    f"{loss[-1]:.4g}: the weights barely move. Likely causes: deep stacks of "
                    "sigmoid or tanh layers, or dead ReLUs. Fix: use ReLU with "
                    "BatchNormalization, Residual blocks, or He initialisation.", HE_INITIALIZER)

    def _stalled(self) -> Hint | None:
        loss = self._series("loss")
        if len(loss) <= PATIENCE or not all(math.isfinite(value) for value in loss) or \
                {"exploding", "nan"} & self.told:  # already explained
            return None
        before, recent = loss[-PATIENCE - 1], min(loss[-PATIENCE:])
        if recent >= STALLED * before and before > CONVERGED * loss[0]:
            return Hint("stalled", f"the loss has not decreased for {PATIENCE} epochs (still "
                        f"about {before:.4g}). The learning rate ({self.learning_rate:.3g}) "
                        "may be too low (it barely moves) or too high (it jumps over the "
                        "minimum); also check that the target is learnable from the inputs. "
                        f"Fix: try ten times higher ({self.learning_rate * 10:.3g}) and ten "
                        f"times lower ({self.learning_rate / 10:.3g}) for a few epochs each. "
                        + FINDER, self._lower_fix() if self.learning_rate >= HIGH_RATE else None)
        return None

    def _overfitting(self) -> Hint | None:
        loss, validation = self._series("loss"), self._series("val_loss")
        if len(validation) <= PATIENCE or len(loss) != len(validation):
            return None
        rising = all(validation[i] > validation[i - 1] for i in range(-PATIENCE, 0))
        falling = loss[-1] < loss[-PATIENCE - 1]
        if rising and falling:
            return Hint("overfitting", f"validation loss rose for {PATIENCE} epochs in a row "
                        f"(to {validation[-1]:.4g}) while training loss kept falling "
                        f"({loss[-1]:.4g}): the model is memorising the training data. Fix: "
                        "turn on early stopping, add Dropout, weight decay or augmentation, "
                        "or use a smaller model or more data.", EARLY_STOPPING)
        return None

    def _collapsed(self) -> Hint | None:
        accuracy, loss = self._series("val_accuracy"), self._series("loss")
        if len(accuracy) <= PATIENCE:
            return None
        frozen = max(accuracy[-PATIENCE - 1:]) - min(accuracy[-PATIENCE - 1:]) < 1e-9
        moving = abs(loss[-1] - loss[-PATIENCE - 1]) > 1e-3 * abs(loss[-PATIENCE - 1])
        if frozen and moving:
            return Hint("collapsed", f"validation accuracy has stayed at exactly "
                        f"{accuracy[-1]:.4f} for {PATIENCE + 1} epochs while the loss moves: "
                        "the model likely predicts one class for everything (an imbalanced "
                        "set, or dead ReLUs after a too-high learning rate). Fix: set class "
                        "weights to balanced, lower the learning rate, or check the class "
                        "counts.", self._balance_or_lower())
        return None

    def _balance_or_lower(self) -> Fix | None:
        if self.project is not None and fix_applied(self.project, BALANCED_WEIGHTS):
            return self._lower_fix()
        return BALANCED_WEIGHTS

    def _dead_relus(self) -> Hint | None:
        shares = self._measured("dead_relu_share")
        if not shares or shares[-1][1] < DEAD_SHARE:
            return None
        epoch, share = shares[-1]
        return Hint("dead_relus", f"{share:.0%} of the ReLU units are dead (zero for "
                    f"every sample of a validation batch at epoch {epoch}): they no "
                    "longer learn, usually after a too-high learning rate pushed them "
                    f"negative. Fix: lower the learning rate (to {self._lower()}), or use "
                    "LeakyReLU or ELU.", self._lower_fix())

    def _trivial(self) -> Hint | None:
        if len(self.epochs) <= PATIENCE or {"collapsed", "stalled"} & self.told:  # explained
            return None
        for key, baseline in self.baselines.items():
            series, what = self._series(key), _TRIVIAL_MODELS.get(key.removeprefix("val_"))
            if not series or what is None:
                continue
            higher = key.endswith("accuracy")
            best = max(series) if higher else min(series)
            if best <= baseline + BASELINE_MARGIN if higher else \
                    best >= baseline * (1 - BASELINE_MARGIN):
                text = (f"after {len(series)} epochs the best {key} ({best:.4g}) is no better "
                        f"than {what} ({baseline:.4g}): the model has learned nothing useful "
                        "from its inputs yet. ")
                if higher and baseline >= IMBALANCED:
                    return Hint("trivial", text + f"The classes are imbalanced (the most "
                                f"common is about {baseline:.0%} of the samples), so always "
                                "saying it scores well. Fix: use balanced class weights, so "
                                "the rare classes count as much.", self._balance_or_lower())
                return Hint("trivial", text + "Check that the inputs carry the answer, train "
                            "longer, or change the learning rate. " + FINDER)
        return None

    def _unnormalised(self) -> Hint | None:
        scales = self._measured("input_scale")
        if not scales or scales[0][1] < INPUT_SCALE:
            return None
        return Hint("unnormalised", f"the numbers entering the first layer are large (root "
                    f"mean square {scales[0][1]:.3g}; normalised inputs are about 1): big inputs "
                    "make training unstable and slow. Fix: normalise them — dlstudio scales "
                    "table columns and image pixels itself, so put a Normalization or "
                    "Rescaling layer first if a layer of yours undoes that.")

    def _gan_not_a_number(self) -> Hint | None:
        for key in ("d_loss", "g_loss"):
            values = self._series(key)
            if values and not math.isfinite(values[-1]):
                return Hint("nan", f"the GAN's {key} became {values[-1]} at epoch "
                            f"{len(values)}. The weights blew up. Fix: lower both learning "
                            "rates (training.gan), by ten for example, or clip gradients.")
        return None

    def _discriminator_won(self) -> Hint | None:
        recent = self._series("d_loss")[-(PATIENCE - 1):]
        if len(recent) < PATIENCE - 1 or max(recent) >= DISCRIMINATOR_WON:
            return None
        return Hint("discriminator_won", f"the discriminator's loss is near 0 "
                    f"({recent[-1]:.3g}): it tells real from generated images every time, so "
                    "the generator gets almost no signal to learn from. Fix: lower the "
                    "discriminator's learning rate (training.gan), turn on label smoothing "
                    "(0.1), add Dropout to the discriminator, or make it smaller than the "
                    "generator.")

    def _mode_collapse(self) -> Hint | None:
        diversity = self._series("sample_diversity")
        if len(diversity) < 2 or max(diversity[-2:]) >= COLLAPSED_DIVERSITY:
            return None
        fell = max(diversity[:-2], default=0.0) >= VARIED_DIVERSITY
        if not fell and len(diversity) < FIRST_EPOCHS:
            return None  # a new generator's samples start alike and vary as it learns
        return Hint("mode_collapse", f"the generated samples have stopped varying: they "
                    f"differ from one another {diversity[-1]:.0%} as much as real images do "
                    "(the sample grid shows nearly the same image in every cell). This is "
                    "mode collapse: the generator found a few images that fool the "
                    "discriminator. Fix: lower the generator's learning rate, turn on label "
                    "smoothing, add BatchNormalization to the generator, or restart with "
                    "another seed.")
