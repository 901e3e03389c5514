"""The training doctor: plain-words diagnoses from a run's event stream (no Qt, no Keras).

:class:`Doctor` reads the events a run emits and, after each epoch, returns ``message`` events
for the pathologies of the usual troubleshooting table — each once per run, with the evidence,
the likely cause and the fix:

- the loss became NaN or infinite;
- the loss grew well above where it started (learning rate too high);
- the loss stopped decreasing (learning rate too low or too high);
- validation loss rising while training loss falls (overfitting);
- validation accuracy frozen while the loss moves (predictions collapsed to one class);
- a GAN's discriminator loss near 0 (it wins every time, so the generator learns nothing);
- a GAN's samples that stopped varying (mode collapse), from the sample grid's diversity.

The run loop's event log asks it after every event, so the hints reach the GUI's Train view,
``dlstudio train`` and ``events.jsonl`` like any other ``message``.
"""

from __future__ import annotations

import math
from typing import Any

from dlstudio.core.training.events import Epoch, Message, Started

PATIENCE = 3
EXPLODING = 1.5
STALLED = 0.99
DISCRIMINATOR_WON = 0.05  # d_loss below this for PATIENCE - 1 epochs in a row
COLLAPSED_DIVERSITY = 0.2  # samples this much less varied than real images


class Doctor:
    """Watches one run's events and says what looks wrong, once per problem."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []
        self.learning_rate = 0.0
        self.told: set[str] = set()

    def observe(self, event: Any) -> list[Message]:
        """Take one event; return the hints it gives rise to (often none)."""
        if isinstance(event, Started):
            self.__init__()
            return []
        if not isinstance(event, Epoch):
            return []
        self.epochs.append(dict(event.logs))
        self.learning_rate = event.learning_rate
        hints = []
        for rule in (self._not_a_number, self._exploding, self._stalled, self._overfitting,
                     self._collapsed, self._gan_not_a_number, self._discriminator_won,
                     self._mode_collapse):
            found = rule()
            if found is not None and found[0] not in self.told:
                self.told.add(found[0])
                hints.append(Message("warning", f"Training doctor: {found[1]}"))
        return hints

    def _series(self, key: str) -> list[float]:
        return [logs[key] for logs in self.epochs if key in logs]

    def _not_a_number(self) -> tuple[str, str] | None:
        loss = self._series("loss")
        if loss and not math.isfinite(loss[-1]):
            return ("nan", f"the loss became {loss[-1]} at epoch {len(loss)}. The weights blew "
                    "up, usually from a learning rate too high or unscaled inputs. Fix: lower "
                    f"the learning rate (try {self._lower()}), keep preprocessing on, or clip "
                    "gradients.")
        return None

    def _exploding(self) -> tuple[str, str] | None:
        loss = self._series("loss")
        if len(loss) >= 2 and math.isfinite(loss[-1]) and loss[-1] > EXPLODING * loss[0] > 0:
            return ("exploding", f"the loss rose from {loss[0]:.4g} (epoch 1) to "
                    f"{loss[-1]:.4g} (epoch {len(loss)}): the learning rate "
                    f"({self.learning_rate:.3g}) is likely too high. Fix: lower it, to "
                    f"{self._lower()} for example.")
        return None

    def _stalled(self) -> tuple[str, str] | None:
        loss = self._series("loss")
        if len(loss) <= PATIENCE or not all(math.isfinite(value) for value in loss) or \
                {"exploding", "nan"} & self.told:  # already explained
            return None
        before, recent = loss[-PATIENCE - 1], min(loss[-PATIENCE:])
        if recent >= STALLED * before:
            return ("stalled", f"the loss has not decreased for {PATIENCE} epochs (still about "
                    f"{before:.4g}). The learning rate ({self.learning_rate:.3g}) may be too "
                    "low (it barely moves) or too high (it jumps over the minimum); also check "
                    "that the target is learnable from the inputs. Fix: try ten times higher "
                    f"({self.learning_rate * 10:.3g}) and ten times lower "
                    f"({self.learning_rate / 10:.3g}) for a few epochs each.")
        return None

    def _overfitting(self) -> tuple[str, str] | None:
        loss, validation = self._series("loss"), self._series("val_loss")
        if len(validation) <= PATIENCE or len(loss) != len(validation):
            return None
        rising = all(validation[i] > validation[i - 1] for i in range(-PATIENCE, 0))
        falling = loss[-1] < loss[-PATIENCE - 1]
        if rising and falling:
            return ("overfitting", f"validation loss rose for {PATIENCE} epochs in a row "
                    f"(to {validation[-1]:.4g}) while training loss kept falling "
                    f"({loss[-1]:.4g}): the model is memorising the training data. Fix: turn "
                    "on early stopping, add Dropout, weight decay or augmentation, or use a "
                    "smaller model or more data.")
        return None

    def _collapsed(self) -> tuple[str, str] | None:
        accuracy, loss = self._series("val_accuracy"), self._series("loss")
        if len(accuracy) <= PATIENCE:
            return None
        frozen = max(accuracy[-PATIENCE - 1:]) - min(accuracy[-PATIENCE - 1:]) < 1e-9
        moving = abs(loss[-1] - loss[-PATIENCE - 1]) > 1e-3 * abs(loss[-PATIENCE - 1])
        if frozen and moving:
            return ("collapsed", f"validation accuracy has stayed at exactly "
                    f"{accuracy[-1]:.4f} for {PATIENCE + 1} epochs while the loss moves: the "
                    "model likely predicts one class for everything (an imbalanced set, or "
                    "dead ReLUs after a too-high learning rate). Fix: set class weights to "
                    "balanced, lower the learning rate, or check the class counts.")
        return None

    def _gan_not_a_number(self) -> tuple[str, str] | None:
        for key in ("d_loss", "g_loss"):
            values = self._series(key)
            if values and not math.isfinite(values[-1]):
                return ("nan", f"the GAN's {key} became {values[-1]} at epoch {len(values)}. "
                        "The weights blew up. Fix: lower both learning rates "
                        "(training.gan), by ten for example, or clip gradients.")
        return None

    def _discriminator_won(self) -> tuple[str, str] | None:
        recent = self._series("d_loss")[-(PATIENCE - 1):]
        if len(recent) < PATIENCE - 1 or max(recent) >= DISCRIMINATOR_WON:
            return None
        return ("discriminator_won", f"the discriminator's loss is near 0 "
                f"({recent[-1]:.3g}): it tells real from generated images every time, so "
                "the generator gets almost no signal to learn from. Fix: lower the "
                "discriminator's learning rate (training.gan), turn on label smoothing "
                "(0.1), add Dropout to the discriminator, or make it smaller than the "
                "generator.")

    def _mode_collapse(self) -> tuple[str, str] | None:
        diversity = self._series("sample_diversity")
        if len(diversity) < 2 or max(diversity[-2:]) >= COLLAPSED_DIVERSITY:
            return None
        return ("mode_collapse", f"the generated samples have stopped varying: they differ "
                f"from one another {diversity[-1]:.0%} as much as real images do (the sample "
                "grid shows nearly the same image in every cell). This is mode collapse: the "
                "generator found a few images that fool the discriminator. Fix: lower the "
                "generator's learning rate, turn on label smoothing, add BatchNormalization "
                "to the generator, or restart with another seed.")

    def _lower(self) -> str:
        return f"{self.learning_rate / 10:.3g}" if self.learning_rate else "a tenth of it"
