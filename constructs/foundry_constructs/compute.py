"""An autoscaling Azure ML compute cluster on a Foundry hub.

Example::

    ComputeCluster(stack, "cluster-cpu-train", ClusterProps(
        name="cpu-train", location="eastus", hub=hub, vm_size="Standard_D4s_v3",
        min_nodes=0, max_nodes=8, grants=(Grant(role="AcrPull", target=registry),),
    ))

``min_nodes = 0`` by default: idle capacity costs nothing, and a passive region
holds quota rather than running nodes. In azurerm 4.55 ``scale_settings``
(min/max nodes, idle time) updates in place (``resourceComputeClusterUpdate``),
so promotion may raise ``min_nodes``; ``name``, ``location``, ``vm_size``,
``vm_priority`` and the workspace id are ForceNew (a new cluster, which the
hub's lock blocks). ``max_nodes`` is a ceiling, not reserved capacity: the
region's quota for the VM family must exist, and in a region-wide incident
Azure may still lack the capacity. Local (key) auth is off; the cluster's
system-assigned identity gets ``grants`` (AcrPull, Storage Blob Data Reader).
Nodes run in the hub's managed network (approved outbound only) without
public IPs and without SSH; azurerm creates such a cluster only once that
network is active, so wait for ``FoundryHub.ready`` (``depends_on``).
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry_constructs.cdk import ITerraformDependable
from constructs import Construct

from foundry_constructs.azurerm import machine_learning_compute_cluster as mlcc
from foundry_constructs.interfaces import Grant, HasId, add_grants


@dataclass(frozen=True, kw_only=True)
class ClusterProps:
    name: str
    location: str
    hub: HasId
    vm_size: str
    vm_priority: str = "Dedicated"
    min_nodes: int = 0
    max_nodes: int = 4
    idle_minutes_before_scale_down: int = 30
    grants: tuple[Grant, ...] = ()
    node_public_ip: bool = False  # nodes live in the hub's managed network; no public IPs
    depends_on: tuple[ITerraformDependable, ...] = ()  # e.g. the replication gate


class ComputeCluster(Construct):
    """``.cluster`` and the role assignments of its identity (``.grants``)."""

    def __init__(self, scope: Construct, id: str, props: ClusterProps):
        super().__init__(scope, id)
        if not 0 <= props.min_nodes <= props.max_nodes:
            raise ValueError(f"need 0 <= min_nodes <= max_nodes, got {props.min_nodes}..{props.max_nodes}")
        self.cluster = mlcc.MachineLearningComputeCluster(
            self,
            "cluster",
            name=props.name,
            location=props.location,
            machine_learning_workspace_id=props.hub.id,
            vm_size=props.vm_size,
            vm_priority=props.vm_priority,
            local_auth_enabled=False,
            node_public_ip_enabled=props.node_public_ip,
            ssh_public_access_enabled=False,
            depends_on=list(props.depends_on) or None,
            identity=mlcc.MachineLearningComputeClusterIdentity(type="SystemAssigned"),
            scale_settings=mlcc.MachineLearningComputeClusterScaleSettings(
                min_node_count=props.min_nodes,
                max_node_count=props.max_nodes,
                scale_down_nodes_after_idle_duration=f"PT{props.idle_minutes_before_scale_down}M",
            ),
        )
        self.grants = add_grants(self, principal_id=self.cluster.identity.principal_id, grants=props.grants)
