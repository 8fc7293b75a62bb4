"""A local web dashboard for strategists (optional extra ``dashboard``: Streamlit).

``aftersales dashboard [SCENARIO] [--port N] [--host H]`` starts it on 127.0.0.1. The page is a
client of the model: it loads scenarios with :func:`sim.load_scenario` (the levers are
overrides), runs :func:`sim.compare` in the background, writes the results folder with
:meth:`~sim.experiment.runner.Comparison.write` and shows :mod:`sim.report` tables and
:mod:`sim.plots` figures. Modules:

- :mod:`~sim.dashboard.levers`: the controls, described from the schema's field metadata;
- :mod:`~sim.dashboard.source`: bundled scenarios and uploads;
- :mod:`~sim.dashboard.runs`: one background run at a time, with progress;
- :mod:`~sim.dashboard.page`, :mod:`~sim.dashboard.results`: the page (Streamlit);
- :mod:`~sim.dashboard.serve`: the server, loopback only unless asked otherwise.
"""

from pathlib import Path

#: The Streamlit script.
APP = Path(__file__).resolve().with_name("app.py")
