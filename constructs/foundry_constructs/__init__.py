"""cdktf constructs for resilient, multi-region hub-based Microsoft Foundry.

Example::

    from foundry_constructs.registry import GeoReplicatedRegistry, RegistryProps, Replica

    GeoReplicatedRegistry(stack, "registry", RegistryProps(
        name="crcontosofraudprod", location="eastus", resource_group=rg,
        replicas=(Replica(location="westus", zone_redundant=False),),
    ))

Layers, each owning one thing:

- resource constructs (``registry``, ``storage``, ``key_vault``, ``monitoring``,
  ``hub``, ``compute``): one primary resource and its interfaces (lock, role
  grants) in the shapes of :mod:`foundry_constructs.interfaces`;
- patterns (``patterns``): the shared platform and one region's hub, composed
  from the resource constructs;
- ``cdk``: the only module that picks the framework, cdktf or CDK Terrain (``FOUNDRY_CDK``);
- ``azurerm``: the only module that touches the provider bindings (fast loading);
- ``tagging``: an aspect that puts the platform's tags on everything taggable.

Importing this package loads nothing heavy; each module loads what it uses.
"""
