package slurmproto

// Return codes carried in RESPONSE_SLURM_RC and friends (slurm_errno.h,
// 22.05.8). Only the ones a controller commonly sends are listed.
const (
	RCSuccess                        uint32 = 0
	RCError                          uint32 = 0xffffffff // SLURM_ERROR (-1)
	RCEAgain                         uint32 = 11         // EAGAIN: clients retry
	RCEInval                         uint32 = 22         // EINVAL: slurmctld's answer to unknown types
	RCEInProgress                    uint32 = 115        // EINPROGRESS
	RCUnexpectedMsg                  uint32 = 1000
	RCProtocolVersionError           uint32 = 1005
	RCProtocolAuthenticationError    uint32 = 1007
	RCCommunicationsConnectionError  uint32 = 1800
	RCNoChangeInData                 uint32 = 1900
	RCInvalidPartitionName           uint32 = 2000
	RCAccessDenied                   uint32 = 2002
	RCErrorOnDescToRecordCopy        uint32 = 2007
	RCJobScriptMissing               uint32 = 2009
	RCUserIDMissing                  uint32 = 2010
	RCRequestedNodeConfigUnavailable uint32 = 2014
	RCRequestedPartConfigUnavailable uint32 = 2015
	RCNodesBusy                      uint32 = 2016
	RCInvalidJobID                   uint32 = 2017
	RCInvalidNodeName                uint32 = 2018
	RCTransitionStateNoUpdate        uint32 = 2020
	RCAlreadyDone                    uint32 = 2021
	RCJobPending                     uint32 = 2024
	RCInStandbyMode                  uint32 = 2027
	RCDisabled                       uint32 = 2037
	RCJobHeld                        uint32 = 2042
	RCInvalidAccount                 uint32 = 2045
	RCInvalidTimeLimit               uint32 = 2051
	RCPartitionNotAvail              uint32 = 2070
	RCJobNotPending                  uint32 = 2073
	RCCanNotStartImmediately         uint32 = 2078
	RCJobFinished                    uint32 = 2084
	RCJobNotRunning                  uint32 = 2085
	RCInStandbyUseBackup             uint32 = 2131
	RCProtocolIncompletePacket       uint32 = 5003
	RCAuthCredInvalid                uint32 = 6000
)

// Bits of RESPONSE_JOB_READY's return code.
const (
	ReadyNodeState   uint32 = 1
	ReadyJobState    uint32 = 2
	ReadyPrologState uint32 = 4
)
