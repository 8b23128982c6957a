package slurmproto

// The constants below are transcribed mechanically from
// shared/slurm-lab/msgtypes.json, itself extracted from slurm_msg_type_t of
// Slurm 22.05.8 (src/common/slurm_protocol_defs.h); the numbers are the
// wire values. Names are Slurm's, in Go case.

// MsgType is a Slurm message type (header field msg_type).
type MsgType uint16

// Message types.
const (
	RequestNodeRegistrationStatus       MsgType = 1001  // REQUEST_NODE_REGISTRATION_STATUS
	MessageNodeRegistrationStatus       MsgType = 1002  // MESSAGE_NODE_REGISTRATION_STATUS
	RequestReconfigure                  MsgType = 1003  // REQUEST_RECONFIGURE
	RequestReconfigureWithConfig        MsgType = 1004  // REQUEST_RECONFIGURE_WITH_CONFIG
	RequestShutdown                     MsgType = 1005  // REQUEST_SHUTDOWN
	DefunctRpc1006                      MsgType = 1006  // DEFUNCT_RPC_1006
	DefunctRpc1007                      MsgType = 1007  // DEFUNCT_RPC_1007
	RequestPing                         MsgType = 1008  // REQUEST_PING
	RequestControl                      MsgType = 1009  // REQUEST_CONTROL
	RequestSetDebugLevel                MsgType = 1010  // REQUEST_SET_DEBUG_LEVEL
	RequestHealthCheck                  MsgType = 1011  // REQUEST_HEALTH_CHECK
	RequestTakeover                     MsgType = 1012  // REQUEST_TAKEOVER
	RequestSetSchedlogLevel             MsgType = 1013  // REQUEST_SET_SCHEDLOG_LEVEL
	RequestSetDebugFlags                MsgType = 1014  // REQUEST_SET_DEBUG_FLAGS
	RequestRebootNodes                  MsgType = 1015  // REQUEST_REBOOT_NODES
	ResponsePingSlurmd                  MsgType = 1016  // RESPONSE_PING_SLURMD
	RequestAcctGatherUpdate             MsgType = 1017  // REQUEST_ACCT_GATHER_UPDATE
	ResponseAcctGatherUpdate            MsgType = 1018  // RESPONSE_ACCT_GATHER_UPDATE
	RequestAcctGatherEnergy             MsgType = 1019  // REQUEST_ACCT_GATHER_ENERGY
	ResponseAcctGatherEnergy            MsgType = 1020  // RESPONSE_ACCT_GATHER_ENERGY
	RequestLicenseInfo                  MsgType = 1021  // REQUEST_LICENSE_INFO
	ResponseLicenseInfo                 MsgType = 1022  // RESPONSE_LICENSE_INFO
	RequestSetFsDampeningFactor         MsgType = 1023  // REQUEST_SET_FS_DAMPENING_FACTOR
	ResponseNodeRegistration            MsgType = 1024  // RESPONSE_NODE_REGISTRATION
	PersistRC                           MsgType = 1433  // PERSIST_RC
	DBDMessagesEnd                      MsgType = 2000  // DBD_MESSAGES_END
	RequestBuildInfo                    MsgType = 2001  // REQUEST_BUILD_INFO
	ResponseBuildInfo                   MsgType = 2002  // RESPONSE_BUILD_INFO
	RequestJobInfo                      MsgType = 2003  // REQUEST_JOB_INFO
	ResponseJobInfo                     MsgType = 2004  // RESPONSE_JOB_INFO
	RequestJobStepInfo                  MsgType = 2005  // REQUEST_JOB_STEP_INFO
	ResponseJobStepInfo                 MsgType = 2006  // RESPONSE_JOB_STEP_INFO
	RequestNodeInfo                     MsgType = 2007  // REQUEST_NODE_INFO
	ResponseNodeInfo                    MsgType = 2008  // RESPONSE_NODE_INFO
	RequestPartitionInfo                MsgType = 2009  // REQUEST_PARTITION_INFO
	ResponsePartitionInfo               MsgType = 2010  // RESPONSE_PARTITION_INFO
	DefunctRpc2011                      MsgType = 2011  // DEFUNCT_RPC_2011
	DefunctRpc2012                      MsgType = 2012  // DEFUNCT_RPC_2012
	RequestJobID                        MsgType = 2013  // REQUEST_JOB_ID
	ResponseJobID                       MsgType = 2014  // RESPONSE_JOB_ID
	RequestConfig                       MsgType = 2015  // REQUEST_CONFIG
	ResponseConfig                      MsgType = 2016  // RESPONSE_CONFIG
	RequestTriggerSet                   MsgType = 2017  // REQUEST_TRIGGER_SET
	RequestTriggerGet                   MsgType = 2018  // REQUEST_TRIGGER_GET
	RequestTriggerClear                 MsgType = 2019  // REQUEST_TRIGGER_CLEAR
	ResponseTriggerGet                  MsgType = 2020  // RESPONSE_TRIGGER_GET
	RequestJobInfoSingle                MsgType = 2021  // REQUEST_JOB_INFO_SINGLE
	RequestShareInfo                    MsgType = 2022  // REQUEST_SHARE_INFO
	ResponseShareInfo                   MsgType = 2023  // RESPONSE_SHARE_INFO
	RequestReservationInfo              MsgType = 2024  // REQUEST_RESERVATION_INFO
	ResponseReservationInfo             MsgType = 2025  // RESPONSE_RESERVATION_INFO
	RequestPriorityFactors              MsgType = 2026  // REQUEST_PRIORITY_FACTORS
	ResponsePriorityFactors             MsgType = 2027  // RESPONSE_PRIORITY_FACTORS
	RequestTopoInfo                     MsgType = 2028  // REQUEST_TOPO_INFO
	ResponseTopoInfo                    MsgType = 2029  // RESPONSE_TOPO_INFO
	RequestTriggerPull                  MsgType = 2030  // REQUEST_TRIGGER_PULL
	RequestFrontEndInfo                 MsgType = 2031  // REQUEST_FRONT_END_INFO
	ResponseFrontEndInfo                MsgType = 2032  // RESPONSE_FRONT_END_INFO
	DefunctRpc2033                      MsgType = 2033  // DEFUNCT_RPC_2033
	DefunctRpc2034                      MsgType = 2034  // DEFUNCT_RPC_2034
	RequestStatsInfo                    MsgType = 2035  // REQUEST_STATS_INFO
	ResponseStatsInfo                   MsgType = 2036  // RESPONSE_STATS_INFO
	RequestBurstBufferInfo              MsgType = 2037  // REQUEST_BURST_BUFFER_INFO
	ResponseBurstBufferInfo             MsgType = 2038  // RESPONSE_BURST_BUFFER_INFO
	RequestJobUserInfo                  MsgType = 2039  // REQUEST_JOB_USER_INFO
	RequestNodeInfoSingle               MsgType = 2040  // REQUEST_NODE_INFO_SINGLE
	DefunctRpc2041                      MsgType = 2041  // DEFUNCT_RPC_2041
	DefunctRpc2042                      MsgType = 2042  // DEFUNCT_RPC_2042
	RequestAssocMgrInfo                 MsgType = 2043  // REQUEST_ASSOC_MGR_INFO
	ResponseAssocMgrInfo                MsgType = 2044  // RESPONSE_ASSOC_MGR_INFO
	DefunctRpc2045                      MsgType = 2045  // DEFUNCT_RPC_2045
	DefunctRpc2046                      MsgType = 2046  // DEFUNCT_RPC_2046
	DefunctRpc2047                      MsgType = 2047  // DEFUNCT_RPC_2047
	DefunctRpc2048                      MsgType = 2048  // DEFUNCT_RPC_2048
	RequestFedInfo                      MsgType = 2049  // REQUEST_FED_INFO
	ResponseFedInfo                     MsgType = 2050  // RESPONSE_FED_INFO
	RequestBatchScript                  MsgType = 2051  // REQUEST_BATCH_SCRIPT
	ResponseBatchScript                 MsgType = 2052  // RESPONSE_BATCH_SCRIPT
	RequestControlStatus                MsgType = 2053  // REQUEST_CONTROL_STATUS
	ResponseControlStatus               MsgType = 2054  // RESPONSE_CONTROL_STATUS
	RequestBurstBufferStatus            MsgType = 2055  // REQUEST_BURST_BUFFER_STATUS
	ResponseBurstBufferStatus           MsgType = 2056  // RESPONSE_BURST_BUFFER_STATUS
	RequestCrontab                      MsgType = 2200  // REQUEST_CRONTAB
	ResponseCrontab                     MsgType = 2201  // RESPONSE_CRONTAB
	RequestUpdateCrontab                MsgType = 2202  // REQUEST_UPDATE_CRONTAB
	ResponseUpdateCrontab               MsgType = 2203  // RESPONSE_UPDATE_CRONTAB
	RequestUpdateJob                    MsgType = 3001  // REQUEST_UPDATE_JOB
	RequestUpdateNode                   MsgType = 3002  // REQUEST_UPDATE_NODE
	RequestCreatePartition              MsgType = 3003  // REQUEST_CREATE_PARTITION
	RequestDeletePartition              MsgType = 3004  // REQUEST_DELETE_PARTITION
	RequestUpdatePartition              MsgType = 3005  // REQUEST_UPDATE_PARTITION
	RequestCreateReservation            MsgType = 3006  // REQUEST_CREATE_RESERVATION
	ResponseCreateReservation           MsgType = 3007  // RESPONSE_CREATE_RESERVATION
	RequestDeleteReservation            MsgType = 3008  // REQUEST_DELETE_RESERVATION
	RequestUpdateReservation            MsgType = 3009  // REQUEST_UPDATE_RESERVATION
	DefunctRpc3010                      MsgType = 3010  // DEFUNCT_RPC_3010
	RequestUpdateFrontEnd               MsgType = 3011  // REQUEST_UPDATE_FRONT_END
	DefunctRpc3012                      MsgType = 3012  // DEFUNCT_RPC_3012
	DefunctRpc3013                      MsgType = 3013  // DEFUNCT_RPC_3013
	RequestDeleteNode                   MsgType = 3014  // REQUEST_DELETE_NODE
	RequestCreateNode                   MsgType = 3015  // REQUEST_CREATE_NODE
	RequestResourceAllocation           MsgType = 4001  // REQUEST_RESOURCE_ALLOCATION
	ResponseResourceAllocation          MsgType = 4002  // RESPONSE_RESOURCE_ALLOCATION
	RequestSubmitBatchJob               MsgType = 4003  // REQUEST_SUBMIT_BATCH_JOB
	ResponseSubmitBatchJob              MsgType = 4004  // RESPONSE_SUBMIT_BATCH_JOB
	RequestBatchJobLaunch               MsgType = 4005  // REQUEST_BATCH_JOB_LAUNCH
	RequestCancelJob                    MsgType = 4006  // REQUEST_CANCEL_JOB
	DefunctRpc4007                      MsgType = 4007  // DEFUNCT_RPC_4007
	DefunctRpc4008                      MsgType = 4008  // DEFUNCT_RPC_4008
	DefunctRpc4009                      MsgType = 4009  // DEFUNCT_RPC_4009
	DefunctRpc4010                      MsgType = 4010  // DEFUNCT_RPC_4010
	DefunctRpc4011                      MsgType = 4011  // DEFUNCT_RPC_4011
	RequestJobWillRun                   MsgType = 4012  // REQUEST_JOB_WILL_RUN
	ResponseJobWillRun                  MsgType = 4013  // RESPONSE_JOB_WILL_RUN
	RequestJobAllocationInfo            MsgType = 4014  // REQUEST_JOB_ALLOCATION_INFO
	ResponseJobAllocationInfo           MsgType = 4015  // RESPONSE_JOB_ALLOCATION_INFO
	DefunctRpc4017                      MsgType = 4016  // DEFUNCT_RPC_4017
	DefunctRpc4018                      MsgType = 4017  // DEFUNCT_RPC_4018
	DefunctRpc4019                      MsgType = 4018  // DEFUNCT_RPC_4019
	RequestJobReady                     MsgType = 4019  // REQUEST_JOB_READY
	ResponseJobReady                    MsgType = 4020  // RESPONSE_JOB_READY
	RequestJobEndTime                   MsgType = 4021  // REQUEST_JOB_END_TIME
	RequestJobNotify                    MsgType = 4022  // REQUEST_JOB_NOTIFY
	RequestJobSbcastCred                MsgType = 4023  // REQUEST_JOB_SBCAST_CRED
	ResponseJobSbcastCred               MsgType = 4024  // RESPONSE_JOB_SBCAST_CRED
	RequestHetJobAllocation             MsgType = 4025  // REQUEST_HET_JOB_ALLOCATION
	ResponseHetJobAllocation            MsgType = 4026  // RESPONSE_HET_JOB_ALLOCATION
	RequestHetJobAllocInfo              MsgType = 4027  // REQUEST_HET_JOB_ALLOC_INFO
	RequestSubmitBatchHetJob            MsgType = 4028  // REQUEST_SUBMIT_BATCH_HET_JOB
	RequestCtldMultMsg                  MsgType = 4500  // REQUEST_CTLD_MULT_MSG
	ResponseCtldMultMsg                 MsgType = 4501  // RESPONSE_CTLD_MULT_MSG
	RequestSibMsg                       MsgType = 4502  // REQUEST_SIB_MSG
	RequestSibJobLock                   MsgType = 4503  // REQUEST_SIB_JOB_LOCK
	RequestSibJobUnlock                 MsgType = 4504  // REQUEST_SIB_JOB_UNLOCK
	RequestSendDep                      MsgType = 4505  // REQUEST_SEND_DEP
	RequestUpdateOriginDep              MsgType = 4506  // REQUEST_UPDATE_ORIGIN_DEP
	RequestJobStepCreate                MsgType = 5001  // REQUEST_JOB_STEP_CREATE
	ResponseJobStepCreate               MsgType = 5002  // RESPONSE_JOB_STEP_CREATE
	DefunctRpc5003                      MsgType = 5003  // DEFUNCT_RPC_5003
	DefunctRpc5004                      MsgType = 5004  // DEFUNCT_RPC_5004
	RequestCancelJobStep                MsgType = 5005  // REQUEST_CANCEL_JOB_STEP
	DefunctRpc5006                      MsgType = 5006  // DEFUNCT_RPC_5006
	RequestUpdateJobStep                MsgType = 5007  // REQUEST_UPDATE_JOB_STEP
	DefunctRpc5008                      MsgType = 5008  // DEFUNCT_RPC_5008
	DefunctRpc5009                      MsgType = 5009  // DEFUNCT_RPC_5009
	DefunctRpc5010                      MsgType = 5010  // DEFUNCT_RPC_5010
	DefunctRpc5011                      MsgType = 5011  // DEFUNCT_RPC_5011
	DefunctRpc5012                      MsgType = 5012  // DEFUNCT_RPC_5012
	DefunctRpc5013                      MsgType = 5013  // DEFUNCT_RPC_5013
	RequestSuspend                      MsgType = 5014  // REQUEST_SUSPEND
	DefunctRpc5015                      MsgType = 5015  // DEFUNCT_RPC_5015
	RequestStepComplete                 MsgType = 5016  // REQUEST_STEP_COMPLETE
	RequestCompleteJobAllocation        MsgType = 5017  // REQUEST_COMPLETE_JOB_ALLOCATION
	RequestCompleteBatchScript          MsgType = 5018  // REQUEST_COMPLETE_BATCH_SCRIPT
	RequestJobStepStat                  MsgType = 5019  // REQUEST_JOB_STEP_STAT
	ResponseJobStepStat                 MsgType = 5020  // RESPONSE_JOB_STEP_STAT
	RequestStepLayout                   MsgType = 5021  // REQUEST_STEP_LAYOUT
	ResponseStepLayout                  MsgType = 5022  // RESPONSE_STEP_LAYOUT
	RequestJobRequeue                   MsgType = 5023  // REQUEST_JOB_REQUEUE
	RequestDaemonStatus                 MsgType = 5024  // REQUEST_DAEMON_STATUS
	ResponseSlurmdStatus                MsgType = 5025  // RESPONSE_SLURMD_STATUS
	DefunctRpc5026                      MsgType = 5026  // DEFUNCT_RPC_5026
	RequestJobStepPids                  MsgType = 5027  // REQUEST_JOB_STEP_PIDS
	ResponseJobStepPids                 MsgType = 5028  // RESPONSE_JOB_STEP_PIDS
	RequestForwardData                  MsgType = 5029  // REQUEST_FORWARD_DATA
	DefunctRpc5030                      MsgType = 5030  // DEFUNCT_RPC_5030
	RequestSuspendInt                   MsgType = 5031  // REQUEST_SUSPEND_INT
	RequestKillJob                      MsgType = 5032  // REQUEST_KILL_JOB
	DefunctRpc5033                      MsgType = 5033  // DEFUNCT_RPC_5033
	ResponseJobArrayErrors              MsgType = 5034  // RESPONSE_JOB_ARRAY_ERRORS
	RequestNetworkCallerid              MsgType = 5035  // REQUEST_NETWORK_CALLERID
	ResponseNetworkCallerid             MsgType = 5036  // RESPONSE_NETWORK_CALLERID
	DefunctRpc5037                      MsgType = 5037  // DEFUNCT_RPC_5037
	RequestTopJob                       MsgType = 5038  // REQUEST_TOP_JOB
	RequestAuthToken                    MsgType = 5039  // REQUEST_AUTH_TOKEN
	ResponseAuthToken                   MsgType = 5040  // RESPONSE_AUTH_TOKEN
	RequestLaunchTasks                  MsgType = 6001  // REQUEST_LAUNCH_TASKS
	ResponseLaunchTasks                 MsgType = 6002  // RESPONSE_LAUNCH_TASKS
	MessageTaskExit                     MsgType = 6003  // MESSAGE_TASK_EXIT
	RequestSignalTasks                  MsgType = 6004  // REQUEST_SIGNAL_TASKS
	DefunctRpc6005                      MsgType = 6005  // DEFUNCT_RPC_6005
	RequestTerminateTasks               MsgType = 6006  // REQUEST_TERMINATE_TASKS
	RequestReattachTasks                MsgType = 6007  // REQUEST_REATTACH_TASKS
	ResponseReattachTasks               MsgType = 6008  // RESPONSE_REATTACH_TASKS
	RequestKillTimelimit                MsgType = 6009  // REQUEST_KILL_TIMELIMIT
	DefunctRpc6010                      MsgType = 6010  // DEFUNCT_RPC_6010
	RequestTerminateJob                 MsgType = 6011  // REQUEST_TERMINATE_JOB
	MessageEpilogComplete               MsgType = 6012  // MESSAGE_EPILOG_COMPLETE
	RequestAbortJob                     MsgType = 6013  // REQUEST_ABORT_JOB
	RequestFileBcast                    MsgType = 6014  // REQUEST_FILE_BCAST
	DefunctRpc6015                      MsgType = 6015  // DEFUNCT_RPC_6015
	RequestKillPreempted                MsgType = 6016  // REQUEST_KILL_PREEMPTED
	RequestLaunchProlog                 MsgType = 6017  // REQUEST_LAUNCH_PROLOG
	RequestCompleteProlog               MsgType = 6018  // REQUEST_COMPLETE_PROLOG
	ResponsePrologExecuting             MsgType = 6019  // RESPONSE_PROLOG_EXECUTING
	RequestPersistInit                  MsgType = 6500  // REQUEST_PERSIST_INIT
	SrunPing                            MsgType = 7001  // SRUN_PING
	SrunTimeout                         MsgType = 7002  // SRUN_TIMEOUT
	SrunNodeFail                        MsgType = 7003  // SRUN_NODE_FAIL
	SrunJobComplete                     MsgType = 7004  // SRUN_JOB_COMPLETE
	SrunUserMsg                         MsgType = 7005  // SRUN_USER_MSG
	DefunctRpc7006                      MsgType = 7006  // DEFUNCT_RPC_7006
	SrunStepMissing                     MsgType = 7007  // SRUN_STEP_MISSING
	SrunRequestSuspend                  MsgType = 7008  // SRUN_REQUEST_SUSPEND
	SrunStepSignal                      MsgType = 7009  // SRUN_STEP_SIGNAL
	SrunNetForward                      MsgType = 7010  // SRUN_NET_FORWARD
	PMIKvsPutReq                        MsgType = 7201  // PMI_KVS_PUT_REQ
	DefunctRpc7202                      MsgType = 7202  // DEFUNCT_RPC_7202
	PMIKvsGetReq                        MsgType = 7203  // PMI_KVS_GET_REQ
	PMIKvsGetResp                       MsgType = 7204  // PMI_KVS_GET_RESP
	ResponseSlurmRC                     MsgType = 8001  // RESPONSE_SLURM_RC
	ResponseSlurmRCMsg                  MsgType = 8002  // RESPONSE_SLURM_RC_MSG
	ResponseSlurmRerouteMsg             MsgType = 8003  // RESPONSE_SLURM_REROUTE_MSG
	ResponseForwardFailed               MsgType = 9001  // RESPONSE_FORWARD_FAILED
	AccountingUpdateMsg                 MsgType = 10001 // ACCOUNTING_UPDATE_MSG
	AccountingFirstReg                  MsgType = 10002 // ACCOUNTING_FIRST_REG
	AccountingRegisterCtld              MsgType = 10003 // ACCOUNTING_REGISTER_CTLD
	AccountingTRESChangeDb              MsgType = 10004 // ACCOUNTING_TRES_CHANGE_DB
	AccountingNodesChangeDb             MsgType = 10005 // ACCOUNTING_NODES_CHANGE_DB
	SlurmscriptdRequestFlush            MsgType = 11001 // SLURMSCRIPTD_REQUEST_FLUSH
	SlurmscriptdRequestFlushJob         MsgType = 11002 // SLURMSCRIPTD_REQUEST_FLUSH_JOB
	SlurmscriptdRequestReconfig         MsgType = 11003 // SLURMSCRIPTD_REQUEST_RECONFIG
	SlurmscriptdRequestRunScript        MsgType = 11004 // SLURMSCRIPTD_REQUEST_RUN_SCRIPT
	SlurmscriptdRequestScriptComplete   MsgType = 11005 // SLURMSCRIPTD_REQUEST_SCRIPT_COMPLETE
	SlurmscriptdRequestUpdateDebugFlags MsgType = 11006 // SLURMSCRIPTD_REQUEST_UPDATE_DEBUG_FLAGS
	SlurmscriptdRequestUpdateLog        MsgType = 11007 // SLURMSCRIPTD_REQUEST_UPDATE_LOG
	SlurmscriptdShutdown                MsgType = 11008 // SLURMSCRIPTD_SHUTDOWN
)

var msgTypeNames = map[MsgType]string{
	RequestNodeRegistrationStatus:       "REQUEST_NODE_REGISTRATION_STATUS",
	MessageNodeRegistrationStatus:       "MESSAGE_NODE_REGISTRATION_STATUS",
	RequestReconfigure:                  "REQUEST_RECONFIGURE",
	RequestReconfigureWithConfig:        "REQUEST_RECONFIGURE_WITH_CONFIG",
	RequestShutdown:                     "REQUEST_SHUTDOWN",
	DefunctRpc1006:                      "DEFUNCT_RPC_1006",
	DefunctRpc1007:                      "DEFUNCT_RPC_1007",
	RequestPing:                         "REQUEST_PING",
	RequestControl:                      "REQUEST_CONTROL",
	RequestSetDebugLevel:                "REQUEST_SET_DEBUG_LEVEL",
	RequestHealthCheck:                  "REQUEST_HEALTH_CHECK",
	RequestTakeover:                     "REQUEST_TAKEOVER",
	RequestSetSchedlogLevel:             "REQUEST_SET_SCHEDLOG_LEVEL",
	RequestSetDebugFlags:                "REQUEST_SET_DEBUG_FLAGS",
	RequestRebootNodes:                  "REQUEST_REBOOT_NODES",
	ResponsePingSlurmd:                  "RESPONSE_PING_SLURMD",
	RequestAcctGatherUpdate:             "REQUEST_ACCT_GATHER_UPDATE",
	ResponseAcctGatherUpdate:            "RESPONSE_ACCT_GATHER_UPDATE",
	RequestAcctGatherEnergy:             "REQUEST_ACCT_GATHER_ENERGY",
	ResponseAcctGatherEnergy:            "RESPONSE_ACCT_GATHER_ENERGY",
	RequestLicenseInfo:                  "REQUEST_LICENSE_INFO",
	ResponseLicenseInfo:                 "RESPONSE_LICENSE_INFO",
	RequestSetFsDampeningFactor:         "REQUEST_SET_FS_DAMPENING_FACTOR",
	ResponseNodeRegistration:            "RESPONSE_NODE_REGISTRATION",
	PersistRC:                           "PERSIST_RC",
	DBDMessagesEnd:                      "DBD_MESSAGES_END",
	RequestBuildInfo:                    "REQUEST_BUILD_INFO",
	ResponseBuildInfo:                   "RESPONSE_BUILD_INFO",
	RequestJobInfo:                      "REQUEST_JOB_INFO",
	ResponseJobInfo:                     "RESPONSE_JOB_INFO",
	RequestJobStepInfo:                  "REQUEST_JOB_STEP_INFO",
	ResponseJobStepInfo:                 "RESPONSE_JOB_STEP_INFO",
	RequestNodeInfo:                     "REQUEST_NODE_INFO",
	ResponseNodeInfo:                    "RESPONSE_NODE_INFO",
	RequestPartitionInfo:                "REQUEST_PARTITION_INFO",
	ResponsePartitionInfo:               "RESPONSE_PARTITION_INFO",
	DefunctRpc2011:                      "DEFUNCT_RPC_2011",
	DefunctRpc2012:                      "DEFUNCT_RPC_2012",
	RequestJobID:                        "REQUEST_JOB_ID",
	ResponseJobID:                       "RESPONSE_JOB_ID",
	RequestConfig:                       "REQUEST_CONFIG",
	ResponseConfig:                      "RESPONSE_CONFIG",
	RequestTriggerSet:                   "REQUEST_TRIGGER_SET",
	RequestTriggerGet:                   "REQUEST_TRIGGER_GET",
	RequestTriggerClear:                 "REQUEST_TRIGGER_CLEAR",
	ResponseTriggerGet:                  "RESPONSE_TRIGGER_GET",
	RequestJobInfoSingle:                "REQUEST_JOB_INFO_SINGLE",
	RequestShareInfo:                    "REQUEST_SHARE_INFO",
	ResponseShareInfo:                   "RESPONSE_SHARE_INFO",
	RequestReservationInfo:              "REQUEST_RESERVATION_INFO",
	ResponseReservationInfo:             "RESPONSE_RESERVATION_INFO",
	RequestPriorityFactors:              "REQUEST_PRIORITY_FACTORS",
	ResponsePriorityFactors:             "RESPONSE_PRIORITY_FACTORS",
	RequestTopoInfo:                     "REQUEST_TOPO_INFO",
	ResponseTopoInfo:                    "RESPONSE_TOPO_INFO",
	RequestTriggerPull:                  "REQUEST_TRIGGER_PULL",
	RequestFrontEndInfo:                 "REQUEST_FRONT_END_INFO",
	ResponseFrontEndInfo:                "RESPONSE_FRONT_END_INFO",
	DefunctRpc2033:                      "DEFUNCT_RPC_2033",
	DefunctRpc2034:                      "DEFUNCT_RPC_2034",
	RequestStatsInfo:                    "REQUEST_STATS_INFO",
	ResponseStatsInfo:                   "RESPONSE_STATS_INFO",
	RequestBurstBufferInfo:              "REQUEST_BURST_BUFFER_INFO",
	ResponseBurstBufferInfo:             "RESPONSE_BURST_BUFFER_INFO",
	RequestJobUserInfo:                  "REQUEST_JOB_USER_INFO",
	RequestNodeInfoSingle:               "REQUEST_NODE_INFO_SINGLE",
	DefunctRpc2041:                      "DEFUNCT_RPC_2041",
	DefunctRpc2042:                      "DEFUNCT_RPC_2042",
	RequestAssocMgrInfo:                 "REQUEST_ASSOC_MGR_INFO",
	ResponseAssocMgrInfo:                "RESPONSE_ASSOC_MGR_INFO",
	DefunctRpc2045:                      "DEFUNCT_RPC_2045",
	DefunctRpc2046:                      "DEFUNCT_RPC_2046",
	DefunctRpc2047:                      "DEFUNCT_RPC_2047",
	DefunctRpc2048:                      "DEFUNCT_RPC_2048",
	RequestFedInfo:                      "REQUEST_FED_INFO",
	ResponseFedInfo:                     "RESPONSE_FED_INFO",
	RequestBatchScript:                  "REQUEST_BATCH_SCRIPT",
	ResponseBatchScript:                 "RESPONSE_BATCH_SCRIPT",
	RequestControlStatus:                "REQUEST_CONTROL_STATUS",
	ResponseControlStatus:               "RESPONSE_CONTROL_STATUS",
	RequestBurstBufferStatus:            "REQUEST_BURST_BUFFER_STATUS",
	ResponseBurstBufferStatus:           "RESPONSE_BURST_BUFFER_STATUS",
	RequestCrontab:                      "REQUEST_CRONTAB",
	ResponseCrontab:                     "RESPONSE_CRONTAB",
	RequestUpdateCrontab:                "REQUEST_UPDATE_CRONTAB",
	ResponseUpdateCrontab:               "RESPONSE_UPDATE_CRONTAB",
	RequestUpdateJob:                    "REQUEST_UPDATE_JOB",
	RequestUpdateNode:                   "REQUEST_UPDATE_NODE",
	RequestCreatePartition:              "REQUEST_CREATE_PARTITION",
	RequestDeletePartition:              "REQUEST_DELETE_PARTITION",
	RequestUpdatePartition:              "REQUEST_UPDATE_PARTITION",
	RequestCreateReservation:            "REQUEST_CREATE_RESERVATION",
	ResponseCreateReservation:           "RESPONSE_CREATE_RESERVATION",
	RequestDeleteReservation:            "REQUEST_DELETE_RESERVATION",
	RequestUpdateReservation:            "REQUEST_UPDATE_RESERVATION",
	DefunctRpc3010:                      "DEFUNCT_RPC_3010",
	RequestUpdateFrontEnd:               "REQUEST_UPDATE_FRONT_END",
	DefunctRpc3012:                      "DEFUNCT_RPC_3012",
	DefunctRpc3013:                      "DEFUNCT_RPC_3013",
	RequestDeleteNode:                   "REQUEST_DELETE_NODE",
	RequestCreateNode:                   "REQUEST_CREATE_NODE",
	RequestResourceAllocation:           "REQUEST_RESOURCE_ALLOCATION",
	ResponseResourceAllocation:          "RESPONSE_RESOURCE_ALLOCATION",
	RequestSubmitBatchJob:               "REQUEST_SUBMIT_BATCH_JOB",
	ResponseSubmitBatchJob:              "RESPONSE_SUBMIT_BATCH_JOB",
	RequestBatchJobLaunch:               "REQUEST_BATCH_JOB_LAUNCH",
	RequestCancelJob:                    "REQUEST_CANCEL_JOB",
	DefunctRpc4007:                      "DEFUNCT_RPC_4007",
	DefunctRpc4008:                      "DEFUNCT_RPC_4008",
	DefunctRpc4009:                      "DEFUNCT_RPC_4009",
	DefunctRpc4010:                      "DEFUNCT_RPC_4010",
	DefunctRpc4011:                      "DEFUNCT_RPC_4011",
	RequestJobWillRun:                   "REQUEST_JOB_WILL_RUN",
	ResponseJobWillRun:                  "RESPONSE_JOB_WILL_RUN",
	RequestJobAllocationInfo:            "REQUEST_JOB_ALLOCATION_INFO",
	ResponseJobAllocationInfo:           "RESPONSE_JOB_ALLOCATION_INFO",
	DefunctRpc4017:                      "DEFUNCT_RPC_4017",
	DefunctRpc4018:                      "DEFUNCT_RPC_4018",
	DefunctRpc4019:                      "DEFUNCT_RPC_4019",
	RequestJobReady:                     "REQUEST_JOB_READY",
	ResponseJobReady:                    "RESPONSE_JOB_READY",
	RequestJobEndTime:                   "REQUEST_JOB_END_TIME",
	RequestJobNotify:                    "REQUEST_JOB_NOTIFY",
	RequestJobSbcastCred:                "REQUEST_JOB_SBCAST_CRED",
	ResponseJobSbcastCred:               "RESPONSE_JOB_SBCAST_CRED",
	RequestHetJobAllocation:             "REQUEST_HET_JOB_ALLOCATION",
	ResponseHetJobAllocation:            "RESPONSE_HET_JOB_ALLOCATION",
	RequestHetJobAllocInfo:              "REQUEST_HET_JOB_ALLOC_INFO",
	RequestSubmitBatchHetJob:            "REQUEST_SUBMIT_BATCH_HET_JOB",
	RequestCtldMultMsg:                  "REQUEST_CTLD_MULT_MSG",
	ResponseCtldMultMsg:                 "RESPONSE_CTLD_MULT_MSG",
	RequestSibMsg:                       "REQUEST_SIB_MSG",
	RequestSibJobLock:                   "REQUEST_SIB_JOB_LOCK",
	RequestSibJobUnlock:                 "REQUEST_SIB_JOB_UNLOCK",
	RequestSendDep:                      "REQUEST_SEND_DEP",
	RequestUpdateOriginDep:              "REQUEST_UPDATE_ORIGIN_DEP",
	RequestJobStepCreate:                "REQUEST_JOB_STEP_CREATE",
	ResponseJobStepCreate:               "RESPONSE_JOB_STEP_CREATE",
	DefunctRpc5003:                      "DEFUNCT_RPC_5003",
	DefunctRpc5004:                      "DEFUNCT_RPC_5004",
	RequestCancelJobStep:                "REQUEST_CANCEL_JOB_STEP",
	DefunctRpc5006:                      "DEFUNCT_RPC_5006",
	RequestUpdateJobStep:                "REQUEST_UPDATE_JOB_STEP",
	DefunctRpc5008:                      "DEFUNCT_RPC_5008",
	DefunctRpc5009:                      "DEFUNCT_RPC_5009",
	DefunctRpc5010:                      "DEFUNCT_RPC_5010",
	DefunctRpc5011:                      "DEFUNCT_RPC_5011",
	DefunctRpc5012:                      "DEFUNCT_RPC_5012",
	DefunctRpc5013:                      "DEFUNCT_RPC_5013",
	RequestSuspend:                      "REQUEST_SUSPEND",
	DefunctRpc5015:                      "DEFUNCT_RPC_5015",
	RequestStepComplete:                 "REQUEST_STEP_COMPLETE",
	RequestCompleteJobAllocation:        "REQUEST_COMPLETE_JOB_ALLOCATION",
	RequestCompleteBatchScript:          "REQUEST_COMPLETE_BATCH_SCRIPT",
	RequestJobStepStat:                  "REQUEST_JOB_STEP_STAT",
	ResponseJobStepStat:                 "RESPONSE_JOB_STEP_STAT",
	RequestStepLayout:                   "REQUEST_STEP_LAYOUT",
	ResponseStepLayout:                  "RESPONSE_STEP_LAYOUT",
	RequestJobRequeue:                   "REQUEST_JOB_REQUEUE",
	RequestDaemonStatus:                 "REQUEST_DAEMON_STATUS",
	ResponseSlurmdStatus:                "RESPONSE_SLURMD_STATUS",
	DefunctRpc5026:                      "DEFUNCT_RPC_5026",
	RequestJobStepPids:                  "REQUEST_JOB_STEP_PIDS",
	ResponseJobStepPids:                 "RESPONSE_JOB_STEP_PIDS",
	RequestForwardData:                  "REQUEST_FORWARD_DATA",
	DefunctRpc5030:                      "DEFUNCT_RPC_5030",
	RequestSuspendInt:                   "REQUEST_SUSPEND_INT",
	RequestKillJob:                      "REQUEST_KILL_JOB",
	DefunctRpc5033:                      "DEFUNCT_RPC_5033",
	ResponseJobArrayErrors:              "RESPONSE_JOB_ARRAY_ERRORS",
	RequestNetworkCallerid:              "REQUEST_NETWORK_CALLERID",
	ResponseNetworkCallerid:             "RESPONSE_NETWORK_CALLERID",
	DefunctRpc5037:                      "DEFUNCT_RPC_5037",
	RequestTopJob:                       "REQUEST_TOP_JOB",
	RequestAuthToken:                    "REQUEST_AUTH_TOKEN",
	ResponseAuthToken:                   "RESPONSE_AUTH_TOKEN",
	RequestLaunchTasks:                  "REQUEST_LAUNCH_TASKS",
	ResponseLaunchTasks:                 "RESPONSE_LAUNCH_TASKS",
	MessageTaskExit:                     "MESSAGE_TASK_EXIT",
	RequestSignalTasks:                  "REQUEST_SIGNAL_TASKS",
	DefunctRpc6005:                      "DEFUNCT_RPC_6005",
	RequestTerminateTasks:               "REQUEST_TERMINATE_TASKS",
	RequestReattachTasks:                "REQUEST_REATTACH_TASKS",
	ResponseReattachTasks:               "RESPONSE_REATTACH_TASKS",
	RequestKillTimelimit:                "REQUEST_KILL_TIMELIMIT",
	DefunctRpc6010:                      "DEFUNCT_RPC_6010",
	RequestTerminateJob:                 "REQUEST_TERMINATE_JOB",
	MessageEpilogComplete:               "MESSAGE_EPILOG_COMPLETE",
	RequestAbortJob:                     "REQUEST_ABORT_JOB",
	RequestFileBcast:                    "REQUEST_FILE_BCAST",
	DefunctRpc6015:                      "DEFUNCT_RPC_6015",
	RequestKillPreempted:                "REQUEST_KILL_PREEMPTED",
	RequestLaunchProlog:                 "REQUEST_LAUNCH_PROLOG",
	RequestCompleteProlog:               "REQUEST_COMPLETE_PROLOG",
	ResponsePrologExecuting:             "RESPONSE_PROLOG_EXECUTING",
	RequestPersistInit:                  "REQUEST_PERSIST_INIT",
	SrunPing:                            "SRUN_PING",
	SrunTimeout:                         "SRUN_TIMEOUT",
	SrunNodeFail:                        "SRUN_NODE_FAIL",
	SrunJobComplete:                     "SRUN_JOB_COMPLETE",
	SrunUserMsg:                         "SRUN_USER_MSG",
	DefunctRpc7006:                      "DEFUNCT_RPC_7006",
	SrunStepMissing:                     "SRUN_STEP_MISSING",
	SrunRequestSuspend:                  "SRUN_REQUEST_SUSPEND",
	SrunStepSignal:                      "SRUN_STEP_SIGNAL",
	SrunNetForward:                      "SRUN_NET_FORWARD",
	PMIKvsPutReq:                        "PMI_KVS_PUT_REQ",
	DefunctRpc7202:                      "DEFUNCT_RPC_7202",
	PMIKvsGetReq:                        "PMI_KVS_GET_REQ",
	PMIKvsGetResp:                       "PMI_KVS_GET_RESP",
	ResponseSlurmRC:                     "RESPONSE_SLURM_RC",
	ResponseSlurmRCMsg:                  "RESPONSE_SLURM_RC_MSG",
	ResponseSlurmRerouteMsg:             "RESPONSE_SLURM_REROUTE_MSG",
	ResponseForwardFailed:               "RESPONSE_FORWARD_FAILED",
	AccountingUpdateMsg:                 "ACCOUNTING_UPDATE_MSG",
	AccountingFirstReg:                  "ACCOUNTING_FIRST_REG",
	AccountingRegisterCtld:              "ACCOUNTING_REGISTER_CTLD",
	AccountingTRESChangeDb:              "ACCOUNTING_TRES_CHANGE_DB",
	AccountingNodesChangeDb:             "ACCOUNTING_NODES_CHANGE_DB",
	SlurmscriptdRequestFlush:            "SLURMSCRIPTD_REQUEST_FLUSH",
	SlurmscriptdRequestFlushJob:         "SLURMSCRIPTD_REQUEST_FLUSH_JOB",
	SlurmscriptdRequestReconfig:         "SLURMSCRIPTD_REQUEST_RECONFIG",
	SlurmscriptdRequestRunScript:        "SLURMSCRIPTD_REQUEST_RUN_SCRIPT",
	SlurmscriptdRequestScriptComplete:   "SLURMSCRIPTD_REQUEST_SCRIPT_COMPLETE",
	SlurmscriptdRequestUpdateDebugFlags: "SLURMSCRIPTD_REQUEST_UPDATE_DEBUG_FLAGS",
	SlurmscriptdRequestUpdateLog:        "SLURMSCRIPTD_REQUEST_UPDATE_LOG",
	SlurmscriptdShutdown:                "SLURMSCRIPTD_SHUTDOWN",
}

// String returns Slurm's name for the type, or "MSG_TYPE_<n>" if unknown.
func (t MsgType) String() string {
	if n, ok := msgTypeNames[t]; ok {
		return n
	}
	return "MSG_TYPE_" + itoa(uint64(t))
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
