package slurmproto

// REQUEST_DELETE_NODE (3014, scontrol delete nodename=…) carries an
// update_node_msg_t like REQUEST_UPDATE_NODE (slurm_protocol_pack.c packs
// REQUEST_CREATE_NODE, REQUEST_UPDATE_NODE and REQUEST_DELETE_NODE with
// _pack_update_node_msg); scontrol fills only NodeNames and leaves the rest
// at slurm_init_update_node_msg's values. slurmctld answers
// RESPONSE_SLURM_RC, or RESPONSE_SLURM_RC_MSG when delete_nodes gave an
// error message.

func init() { register[UpdateNodeRequest](RequestDeleteNode) }
