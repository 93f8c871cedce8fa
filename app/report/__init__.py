"""``python main.py report``: the design document for the people who approve it, from the config and its stacks.

Example::

    python main.py report                                   # markdown on stdout
    python main.py report --format json                     # the same data, structured and deterministic
    python main.py report --format html --out report.html   # one self-contained page, diagram rendered

    >>> from app import report
    >>> text = report.render(report.build(load_config("config/default.yaml")), "markdown")

The config is synthesized as ``python main.py synth`` would, into a temporary directory
(``cdktf.out/`` is never touched), and the inventory, the counts and the resources behind
every cost line are read from that output. Sections: the stacks and their resources by
kind, what replicates where (a Mermaid diagram) and the deployment order (Terraform's
dependencies and the release order, a second diagram), availability against
``targets.availability_percent`` (published SLAs, the formula, the single-region figure,
the multi-region upper bound, and per path the RTO and an expected figure), RPO/RTO and
durability per data path, a monthly cost estimate by component and region, a usage
estimate, the comparisons the design rests on, every choice the config made with its
trade-off, and every figure's source and the date it was checked.

One module, one idea:

- :mod:`~app.report.synthesized` the synthesized output: every resource and its ``stack:type.name`` address
- :mod:`~app.report.inventory` the stacks, their resources by kind, the deployment order
- :mod:`~app.report.diagram` what replicates where and the deployment order, as Mermaid flowcharts
- :mod:`~app.report.availability` SLAs and the composite availability;
  :mod:`~app.report.paths` availability and RTO per path (inference, training)
- :mod:`~app.report.recovery` RPO, RTO and durability per data path
- :mod:`~app.report.prices` the price book (``app/prices.yaml`` + ``report.price_overrides``)
- :mod:`~app.report.figures` SLAs, durability and timings (``app/slas.yaml``) and the JSON ``sources`` list
- :mod:`~app.report.cost` the monthly cost lines; :mod:`~app.report.charges` what Azure does not bill, and why;
  :mod:`~app.report.comparisons` the alternatives
- :mod:`~app.report.usage` the usage estimate (``report.usage``), both modes priced alike
- :mod:`~app.report.decisions` every choice with its trade-off
- :mod:`~app.report.assemble` the whole report as data (:func:`build`)
- :mod:`~app.report.document` the blocks every text renderer walks; one renderer per format:
  :mod:`~app.report.to_markdown`, :mod:`~app.report.to_json`, :mod:`~app.report.to_html`
- :mod:`~app.report.command` the command line (:func:`add_arguments`, :func:`run`, :func:`render`)

The CLI imports this package to build its parser, so it loads only the standard library and
the light ``app`` modules at import time; the config model (pydantic), YAML and cdktf load inside :func:`run`.
"""

from __future__ import annotations

from app.report.assemble import build
from app.report.command import add_arguments, render, run

__all__ = ["add_arguments", "build", "render", "run"]
