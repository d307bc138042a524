"""Declarations: each decided spec of ``infra.topology`` turned into the components that build it.

One module per thing built. They read only the decided ``Topology`` (never the config) and build no Azure
name: every name, path and choice was decided before; here a spec's fields become a component's typed args.
``infra/program.py`` calls them in order and exports what they return.
"""
