{
 "ai_foundry.AiFoundry": {
  "application_insights_id": "opt",
  "container_registry_id": "opt",
  "description": "opt",
  "encryption": "opt",
  "friendly_name": "opt",
  "high_business_impact_enabled": "opt",
  "id": "opt",
  "identity": "req",
  "key_vault_id": "req",
  "location": "req",
  "managed_network": "opt",
  "name": "req",
  "primary_user_assigned_identity": "opt",
  "public_network_access": "opt",
  "resource_group_name": "req",
  "storage_account_id": "req",
  "tags": "opt",
  "timeouts": "opt"
 },
 "ai_foundry.AiFoundryConfig": {
  "application_insights_id": "opt",
  "container_registry_id": "opt",
  "description": "opt",
  "encryption": "opt",
  "friendly_name": "opt",
  "high_business_impact_enabled": "opt",
  "id": "opt",
  "identity": "req",
  "key_vault_id": "req",
  "location": "req",
  "managed_network": "opt",
  "name": "req",
  "primary_user_assigned_identity": "opt",
  "public_network_access": "opt",
  "resource_group_name": "req",
  "storage_account_id": "req",
  "tags": "opt",
  "timeouts": "opt"
 },
 "ai_foundry.AiFoundryEncryption": {
  "key_id": "req",
  "key_vault_id": "req",
  "user_assigned_identity_id": "opt"
 },
 "ai_foundry.AiFoundryEncryptionOutputReference": {},
 "ai_foundry.AiFoundryIdentity": {
  "identity_ids": "opt",
  "type": "req"
 },
 "ai_foundry.AiFoundryIdentityOutputReference": {},
 "ai_foundry.AiFoundryManagedNetwork": {
  "isolation_mode": "opt"
 },
 "ai_foundry.AiFoundryManagedNetworkOutputReference": {},
 "ai_foundry.AiFoundryTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "ai_foundry.AiFoundryTimeoutsOutputReference": {},
 "ai_foundry_project.AiFoundryProject": {
  "ai_services_hub_id": "req",
  "description": "opt",
  "friendly_name": "opt",
  "high_business_impact_enabled": "opt",
  "id": "opt",
  "identity": "opt",
  "location": "req",
  "name": "req",
  "primary_user_assigned_identity": "opt",
  "tags": "opt",
  "timeouts": "opt"
 },
 "ai_foundry_project.AiFoundryProjectConfig": {
  "ai_services_hub_id": "req",
  "description": "opt",
  "friendly_name": "opt",
  "high_business_impact_enabled": "opt",
  "id": "opt",
  "identity": "opt",
  "location": "req",
  "name": "req",
  "primary_user_assigned_identity": "opt",
  "tags": "opt",
  "timeouts": "opt"
 },
 "ai_foundry_project.AiFoundryProjectIdentity": {
  "identity_ids": "opt",
  "type": "req"
 },
 "ai_foundry_project.AiFoundryProjectIdentityOutputReference": {},
 "ai_foundry_project.AiFoundryProjectTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "ai_foundry_project.AiFoundryProjectTimeoutsOutputReference": {},
 "application_insights.ApplicationInsights": {
  "application_type": "req",
  "daily_data_cap_in_gb": "opt",
  "daily_data_cap_notifications_enabled": "opt",
  "force_customer_storage_for_profiler": "opt",
  "id": "opt",
  "internet_ingestion_enabled": "opt",
  "internet_query_enabled": "opt",
  "ip_masking_enabled": "opt",
  "local_authentication_enabled": "opt",
  "location": "req",
  "name": "req",
  "resource_group_name": "req",
  "retention_in_days": "opt",
  "sampling_percentage": "opt",
  "tags": "opt",
  "timeouts": "opt",
  "workspace_id": "opt"
 },
 "application_insights.ApplicationInsightsConfig": {
  "application_type": "req",
  "daily_data_cap_in_gb": "opt",
  "daily_data_cap_notifications_enabled": "opt",
  "force_customer_storage_for_profiler": "opt",
  "id": "opt",
  "internet_ingestion_enabled": "opt",
  "internet_query_enabled": "opt",
  "ip_masking_enabled": "opt",
  "local_authentication_enabled": "opt",
  "location": "req",
  "name": "req",
  "resource_group_name": "req",
  "retention_in_days": "opt",
  "sampling_percentage": "opt",
  "tags": "opt",
  "timeouts": "opt",
  "workspace_id": "opt"
 },
 "application_insights.ApplicationInsightsTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "application_insights.ApplicationInsightsTimeoutsOutputReference": {},
 "container_registry.ContainerRegistry": {
  "admin_enabled": "opt",
  "anonymous_pull_enabled": "opt",
  "azuread_authentication_as_arm_policy_enabled": "opt",
  "data_endpoint_enabled": "opt",
  "encryption": "opt",
  "export_policy_enabled": "opt",
  "georeplications": "opt",
  "id": "opt",
  "identity": "opt",
  "location": "req",
  "name": "req",
  "network_rule_bypass_for_tasks_enabled": "opt",
  "network_rule_bypass_option": "opt",
  "network_rule_set": "opt",
  "public_network_access_enabled": "opt",
  "quarantine_policy_enabled": "opt",
  "resource_group_name": "req",
  "retention_policy_in_days": "opt",
  "role_assignment_mode": "opt",
  "sku": "req",
  "tags": "opt",
  "timeouts": "opt",
  "zone_redundancy_enabled": "opt"
 },
 "container_registry.ContainerRegistryConfig": {
  "admin_enabled": "opt",
  "anonymous_pull_enabled": "opt",
  "azuread_authentication_as_arm_policy_enabled": "opt",
  "data_endpoint_enabled": "opt",
  "encryption": "opt",
  "export_policy_enabled": "opt",
  "georeplications": "opt",
  "id": "opt",
  "identity": "opt",
  "location": "req",
  "name": "req",
  "network_rule_bypass_for_tasks_enabled": "opt",
  "network_rule_bypass_option": "opt",
  "network_rule_set": "opt",
  "public_network_access_enabled": "opt",
  "quarantine_policy_enabled": "opt",
  "resource_group_name": "req",
  "retention_policy_in_days": "opt",
  "role_assignment_mode": "opt",
  "sku": "req",
  "tags": "opt",
  "timeouts": "opt",
  "zone_redundancy_enabled": "opt"
 },
 "container_registry.ContainerRegistryEncryption": {
  "identity_client_id": "opt",
  "key_vault_key_id": "opt"
 },
 "container_registry.ContainerRegistryEncryptionList": {},
 "container_registry.ContainerRegistryEncryptionOutputReference": {},
 "container_registry.ContainerRegistryGeoreplications": {
  "global_endpoint_routing_enabled": "req",
  "location": "req",
  "tags": "opt",
  "zone_redundancy_enabled": "opt"
 },
 "container_registry.ContainerRegistryGeoreplicationsList": {},
 "container_registry.ContainerRegistryGeoreplicationsOutputReference": {},
 "container_registry.ContainerRegistryIdentity": {
  "identity_ids": "opt",
  "type": "req"
 },
 "container_registry.ContainerRegistryIdentityOutputReference": {},
 "container_registry.ContainerRegistryNetworkRuleSet": {
  "default_action": "opt",
  "ip_rule": "opt"
 },
 "container_registry.ContainerRegistryNetworkRuleSetIpRule": {
  "action": "opt",
  "ip_range": "opt"
 },
 "container_registry.ContainerRegistryNetworkRuleSetIpRuleList": {},
 "container_registry.ContainerRegistryNetworkRuleSetIpRuleOutputReference": {},
 "container_registry.ContainerRegistryNetworkRuleSetList": {},
 "container_registry.ContainerRegistryNetworkRuleSetOutputReference": {},
 "container_registry.ContainerRegistryTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "container_registry.ContainerRegistryTimeoutsOutputReference": {},
 "data_azurerm_client_config.DataAzurermClientConfig": {
  "id": "opt",
  "timeouts": "opt"
 },
 "data_azurerm_client_config.DataAzurermClientConfigConfig": {
  "id": "opt",
  "timeouts": "opt"
 },
 "data_azurerm_client_config.DataAzurermClientConfigTimeouts": {
  "read": "opt"
 },
 "data_azurerm_client_config.DataAzurermClientConfigTimeoutsOutputReference": {},
 "eventgrid_system_topic.EventgridSystemTopic": {
  "id": "opt",
  "identity": "opt",
  "location": "req",
  "name": "req",
  "resource_group_name": "req",
  "source_resource_id": "req",
  "tags": "opt",
  "timeouts": "opt",
  "topic_type": "req"
 },
 "eventgrid_system_topic.EventgridSystemTopicConfig": {
  "id": "opt",
  "identity": "opt",
  "location": "req",
  "name": "req",
  "resource_group_name": "req",
  "source_resource_id": "req",
  "tags": "opt",
  "timeouts": "opt",
  "topic_type": "req"
 },
 "eventgrid_system_topic.EventgridSystemTopicIdentity": {
  "identity_ids": "opt",
  "type": "req"
 },
 "eventgrid_system_topic.EventgridSystemTopicIdentityOutputReference": {},
 "eventgrid_system_topic.EventgridSystemTopicTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "eventgrid_system_topic.EventgridSystemTopicTimeoutsOutputReference": {},
 "key_vault.KeyVault": {
  "access_policy": "opt",
  "enabled_for_deployment": "opt",
  "enabled_for_disk_encryption": "opt",
  "enabled_for_template_deployment": "opt",
  "id": "opt",
  "location": "req",
  "name": "req",
  "network_acls": "opt",
  "public_network_access_enabled": "opt",
  "purge_protection_enabled": "opt",
  "rbac_authorization_enabled": "req",
  "resource_group_name": "req",
  "sku_name": "req",
  "soft_delete_retention_days": "opt",
  "tags": "opt",
  "tenant_id": "req",
  "timeouts": "opt"
 },
 "key_vault.KeyVaultAccessPolicy": {
  "application_id": "opt",
  "certificate_permissions": "opt",
  "key_permissions": "opt",
  "object_id": "opt",
  "secret_permissions": "opt",
  "storage_permissions": "opt",
  "tenant_id": "opt"
 },
 "key_vault.KeyVaultAccessPolicyList": {},
 "key_vault.KeyVaultAccessPolicyOutputReference": {},
 "key_vault.KeyVaultConfig": {
  "access_policy": "opt",
  "enabled_for_deployment": "opt",
  "enabled_for_disk_encryption": "opt",
  "enabled_for_template_deployment": "opt",
  "id": "opt",
  "location": "req",
  "name": "req",
  "network_acls": "opt",
  "public_network_access_enabled": "opt",
  "purge_protection_enabled": "opt",
  "rbac_authorization_enabled": "req",
  "resource_group_name": "req",
  "sku_name": "req",
  "soft_delete_retention_days": "opt",
  "tags": "opt",
  "tenant_id": "req",
  "timeouts": "opt"
 },
 "key_vault.KeyVaultNetworkAcls": {
  "bypass": "req",
  "default_action": "req",
  "ip_rules": "opt",
  "virtual_network_subnet_ids": "opt"
 },
 "key_vault.KeyVaultNetworkAclsOutputReference": {},
 "key_vault.KeyVaultTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "key_vault.KeyVaultTimeoutsOutputReference": {},
 "key_vault_key.KeyVaultKey": {
  "curve": "opt",
  "expiration_date": "opt",
  "id": "opt",
  "key_opts": "req",
  "key_size": "opt",
  "key_type": "req",
  "key_vault_id": "req",
  "name": "req",
  "not_before_date": "opt",
  "release_policy": "opt",
  "rotation_policy": "opt",
  "tags": "opt",
  "timeouts": "opt"
 },
 "key_vault_key.KeyVaultKeyConfig": {
  "curve": "opt",
  "expiration_date": "opt",
  "id": "opt",
  "key_opts": "req",
  "key_size": "opt",
  "key_type": "req",
  "key_vault_id": "req",
  "name": "req",
  "not_before_date": "opt",
  "release_policy": "opt",
  "rotation_policy": "opt",
  "tags": "opt",
  "timeouts": "opt"
 },
 "key_vault_key.KeyVaultKeyReleasePolicy": {
  "immutable": "opt",
  "json": "req"
 },
 "key_vault_key.KeyVaultKeyReleasePolicyOutputReference": {},
 "key_vault_key.KeyVaultKeyRotationPolicy": {
  "automatic": "opt",
  "expire_after": "opt",
  "notify_before_expiry": "opt"
 },
 "key_vault_key.KeyVaultKeyRotationPolicyAutomatic": {
  "time_after_creation": "opt",
  "time_before_expiry": "opt"
 },
 "key_vault_key.KeyVaultKeyRotationPolicyAutomaticOutputReference": {},
 "key_vault_key.KeyVaultKeyRotationPolicyOutputReference": {},
 "key_vault_key.KeyVaultKeyTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "key_vault_key.KeyVaultKeyTimeoutsOutputReference": {},
 "log_analytics_workspace.LogAnalyticsWorkspace": {
  "allow_resource_only_permissions": "opt",
  "cmk_for_query_forced": "opt",
  "daily_quota_gb": "opt",
  "data_collection_rule_id": "opt",
  "id": "opt",
  "identity": "opt",
  "immediate_data_purge_on30_days_enabled": "opt",
  "internet_ingestion_access_type": "opt",
  "internet_query_access_type": "opt",
  "local_authentication_enabled": "opt",
  "location": "req",
  "name": "req",
  "reservation_capacity_in_gb_per_day": "opt",
  "resource_group_name": "req",
  "retention_in_days": "opt",
  "sku": "opt",
  "tags": "opt",
  "timeouts": "opt"
 },
 "log_analytics_workspace.LogAnalyticsWorkspaceConfig": {
  "allow_resource_only_permissions": "opt",
  "cmk_for_query_forced": "opt",
  "daily_quota_gb": "opt",
  "data_collection_rule_id": "opt",
  "id": "opt",
  "identity": "opt",
  "immediate_data_purge_on30_days_enabled": "opt",
  "internet_ingestion_access_type": "opt",
  "internet_query_access_type": "opt",
  "local_authentication_enabled": "opt",
  "location": "req",
  "name": "req",
  "reservation_capacity_in_gb_per_day": "opt",
  "resource_group_name": "req",
  "retention_in_days": "opt",
  "sku": "opt",
  "tags": "opt",
  "timeouts": "opt"
 },
 "log_analytics_workspace.LogAnalyticsWorkspaceIdentity": {
  "identity_ids": "opt",
  "type": "req"
 },
 "log_analytics_workspace.LogAnalyticsWorkspaceIdentityOutputReference": {},
 "log_analytics_workspace.LogAnalyticsWorkspaceTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "log_analytics_workspace.LogAnalyticsWorkspaceTimeoutsOutputReference": {},
 "machine_learning_compute_cluster.MachineLearningComputeCluster": {
  "description": "opt",
  "id": "opt",
  "identity": "opt",
  "local_auth_enabled": "opt",
  "location": "req",
  "machine_learning_workspace_id": "req",
  "name": "req",
  "node_public_ip_enabled": "opt",
  "scale_settings": "req",
  "ssh": "opt",
  "ssh_public_access_enabled": "opt",
  "subnet_resource_id": "opt",
  "tags": "opt",
  "timeouts": "opt",
  "vm_priority": "req",
  "vm_size": "req"
 },
 "machine_learning_compute_cluster.MachineLearningComputeClusterConfig": {
  "description": "opt",
  "id": "opt",
  "identity": "opt",
  "local_auth_enabled": "opt",
  "location": "req",
  "machine_learning_workspace_id": "req",
  "name": "req",
  "node_public_ip_enabled": "opt",
  "scale_settings": "req",
  "ssh": "opt",
  "ssh_public_access_enabled": "opt",
  "subnet_resource_id": "opt",
  "tags": "opt",
  "timeouts": "opt",
  "vm_priority": "req",
  "vm_size": "req"
 },
 "machine_learning_compute_cluster.MachineLearningComputeClusterIdentity": {
  "identity_ids": "opt",
  "type": "req"
 },
 "machine_learning_compute_cluster.MachineLearningComputeClusterIdentityOutputReference": {},
 "machine_learning_compute_cluster.MachineLearningComputeClusterScaleSettings": {
  "max_node_count": "req",
  "min_node_count": "req",
  "scale_down_nodes_after_idle_duration": "req"
 },
 "machine_learning_compute_cluster.MachineLearningComputeClusterScaleSettingsOutputReference": {},
 "machine_learning_compute_cluster.MachineLearningComputeClusterSsh": {
  "admin_password": "opt",
  "admin_username": "req",
  "key_value": "opt"
 },
 "machine_learning_compute_cluster.MachineLearningComputeClusterSshOutputReference": {},
 "machine_learning_compute_cluster.MachineLearningComputeClusterTimeouts": {
  "create": "opt",
  "delete": "opt",
  "read": "opt",
  "update": "opt"
 },
 "machine_learning_compute_cluster.MachineLearningComputeClusterTimeoutsOutputReference": {}
}