"""``python main.py report``: the design document for the people who approve it, from the config alone.

Example::

    python main.py report                                   # markdown on stdout
    python main.py report --format json                     # the same data, structured and deterministic
    python main.py report --format html --out report.html   # one self-contained page, diagram rendered

    >>> from app import report
    >>> text = report.render(report.build(load_config("config/default.yaml")), "markdown")

Sections: the stacks and their resources by kind with the deployment order (a Mermaid
diagram), availability against ``targets.availability_percent`` (published SLAs, the
formula, the single-region figure and the multi-region upper bound), RPO/RTO and
durability per data path, a monthly cost estimate by component and region, a usage estimate,
the comparisons the design rests on, every choice the config made with its trade-off, and
every figure's source and the date it was checked.

One module, one idea:

- :mod:`~app.report.inventory` the stacks, their resources by kind, the deployment order
- :mod:`~app.report.diagram` the stacks as a Mermaid flowchart
- :mod:`~app.report.availability` SLAs and the composite availability
- :mod:`~app.report.recovery` RPO, RTO and durability per data path
- :mod:`~app.report.prices` the price book (``app/prices.yaml`` + ``report.price_overrides``)
- :mod:`~app.report.figures` SLAs, durability and timings (``app/slas.yaml``) and the JSON ``sources`` list
- :mod:`~app.report.cost` the monthly cost lines; :mod:`~app.report.comparisons` the alternatives
- :mod:`~app.report.usage` the usage estimate (``report.usage``), both modes priced alike
- :mod:`~app.report.decisions` every choice with its trade-off
- :mod:`~app.report.assemble` the whole report as data (:func:`build`)
- :mod:`~app.report.document` the blocks every text renderer walks; one renderer per format:
  :mod:`~app.report.to_markdown`, :mod:`~app.report.to_json`, :mod:`~app.report.to_html`
- :mod:`~app.report.command` the command line (:func:`add_arguments`, :func:`run`, :func:`render`)

The CLI imports this package to build its parser, so it loads only the standard library and
the light ``app`` modules at import time; the config model (pydantic) and YAML load inside :func:`run`.
"""

from __future__ import annotations

from app.report.assemble import build
from app.report.command import add_arguments, render, run

__all__ = ["add_arguments", "build", "render", "run"]
