"""Which logged values share a plot of the training curves, and what each plot is called.

A run logs values by name (``loss``, ``accuracy``, a GAN's ``d_loss`` and ``g_loss``…). Most
get a plot of their own; a few belong together and read better on one plot with a legend: a
GAN's two losses (the discriminator's and the generator's, which move against each other) and
the discriminator's two verdicts (on real and on generated images), a VAE's reconstruction error
and KL term (the two parts of its loss). :func:`plan_plots` turns the
names a run logged into plots, in reading order, each with its title, its curves in plain words
and a tip that says what healthy curves look like. The GUI's curves view draws what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Curve:
    """One logged value on a plot.

    Attributes:
        key: The logged name (``d_loss``); its validation twin is ``val_`` + key.
        words: The legend's name for it (``discriminator``).
    """

    key: str
    words: str


@dataclass(frozen=True)
class PlotPlan:
    """One plot of the curves view.

    Attributes:
        name: The plot's key (a logged name, or a group's name such as ``gan_losses``).
        title: The title above the plot, in plain words.
        curves: The values it draws, one colour each when there are several.
        tip: What the plot shows and what healthy curves look like (empty when the title
            says it all).
    """

    name: str
    title: str
    curves: tuple[Curve, ...]
    tip: str = ""

    @property
    def grouped(self) -> bool:
        """Whether the plot draws several values (and so needs a legend)."""
        return len(self.curves) > 1


GAN_LOSSES = PlotPlan(
    "gan_losses", "losses",
    (Curve("d_loss", "discriminator"), Curve("g_loss", "generator")),
    "The two networks play against each other, so these losses do not fall as a classifier's "
    "does.\nHealthy: both stay roughly level and wobble — the discriminator's near 1.4 "
    "(2 × ln 2: it cannot tell real from generated), the generator's near 0.7–2.\n"
    "Worrying: the discriminator's loss sinks towards 0 while the generator's climbs — the "
    "discriminator has won and the generator learns nothing (lower the discriminator's "
    "learning rate, or add label smoothing).\nThe sample grid shows the progress better than "
    "any loss.")
GAN_VERDICTS = PlotPlan(
    "gan_verdicts", "probability real",
    (Curve("d_real", "real images"), Curve("d_fake", "generated")),
    "The discriminator's average probability that an image is real (0 to 1), for real images "
    "and for generated ones.\nHealthy: real images a little above 0.5, generated ones a little "
    "below, both nearing 0.5 as the generator improves.\n"
    "Worrying: real near 1 and generated near 0 for many epochs — the discriminator tells "
    "them apart too easily.")
VAE_LOSS_PARTS = PlotPlan(
    "vae_loss_parts", "the loss's two parts",
    (Curve("reconstruction", "reconstruction"), Curve("kl", "KL term")),
    "A VAE's loss is the reconstruction error plus beta times the KL divergence of the codes "
    "from a standard normal (per value of a sample).\nHealthy: the reconstruction falls while "
    "the KL term rises a little and levels: the codes carry information but stay close to "
    "the normal distribution that new samples are drawn from.\nWorrying: a KL term near 0 — "
    "the codes carry nothing and every reconstruction looks alike (lower beta, or warm the KL "
    "up over the first epochs); a KL term that dwarfs the reconstruction — blurry samples.")
GROUPS = (GAN_LOSSES, GAN_VERDICTS, VAE_LOSS_PARTS)
"""The plots that draw several logged values, in reading order."""

TITLES = {
    "loss": "loss",
    "sample_diversity": "sample diversity",
    "d_loss": "discriminator loss",
    "g_loss": "generator loss",
    "d_real": "discriminator on real images",
    "d_fake": "discriminator on generated images",
}
TIPS = {
    "sample_diversity": "How different the sample grid's images are from one another, "
                        "relative to real images (about 1 when they vary as much).\nWorrying: "
                        "a fall towards 0 — the generator makes the same image whatever the "
                        "noise (mode collapse).",
}


def plan_plots(names: list[str], group: bool = True) -> list[PlotPlan]:
    """Return the plots for the logged values ``names``, ``loss`` first.

    Args:
        names: Logged names without the ``val_`` prefix (a run's metric families).
        group: Whether values that belong together share a plot (a view comparing several
            runs, which colours by run, keeps one value per plot).

    Returns:
        One plan per plot: each group whose values were all logged, then one plot per other
        name (titled in words), ``loss`` first and the rest by name.
    """
    plans: list[PlotPlan] = []
    left = list(names)
    for plan in GROUPS if group else ():
        keys = [curve.key for curve in plan.curves]
        if all(key in left for key in keys):
            plans.append(plan)
            left = [name for name in left if name not in keys]
    singles = [PlotPlan(name, title_of(name), (Curve(name, title_of(name)),),
                        TIPS.get(name, "")) for name in left]
    singles.sort(key=lambda plan: (plan.name != "loss", plan.name))
    loss_first = [plan for plan in singles if plan.name == "loss"]
    return loss_first + plans + [plan for plan in singles if plan.name != "loss"]


def title_of(name: str) -> str:
    """Return a logged value's name in words (``d_loss`` → ``discriminator loss``)."""
    return TITLES.get(name, name.replace("_", " "))
