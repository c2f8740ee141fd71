// Field names (ECS style) interned to small ids. The well-known fields have fixed ids so the
// parsers use constants; names from JSON input are interned at run time (bounded).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace wardsec {

using FieldId = uint16_t;
constexpr FieldId kNoField = 0xffff;

enum class FieldType : uint8_t { kKeyword, kText, kIp, kLong };

// X(constant, "ecs.name", type)
#define WARDSEC_FIELDS(X)                                           \
  X(kMessage, "message", kText)                                     \
  X(kHostName, "host.name", kKeyword)                               \
  X(kHostIp, "host.ip", kIp)                                        \
  X(kLogSourceAddress, "log.source.address", kKeyword)              \
  X(kLogLevel, "log.level", kKeyword)                               \
  X(kSyslogFacility, "log.syslog.facility.code", kLong)             \
  X(kSyslogSeverity, "log.syslog.severity.code", kLong)             \
  X(kSyslogMsgId, "log.syslog.msgid", kKeyword)                     \
  X(kSyslogVersion, "log.syslog.version", kLong)                    \
  X(kSyslogSd, "log.syslog.structured_data", kText)                 \
  X(kProcessName, "process.name", kKeyword)                         \
  X(kProcessPid, "process.pid", kLong)                              \
  X(kProcessCommandLine, "process.command_line", kText)             \
  X(kProcessWorkingDir, "process.working_directory", kKeyword)      \
  X(kEventDataset, "event.dataset", kKeyword)                       \
  X(kEventModule, "event.module", kKeyword)                         \
  X(kEventCategory, "event.category", kKeyword)                     \
  X(kEventType, "event.type", kKeyword)                             \
  X(kEventAction, "event.action", kKeyword)                         \
  X(kEventOutcome, "event.outcome", kKeyword)                       \
  X(kEventSeverity, "event.severity", kLong)                        \
  X(kEventCode, "event.code", kKeyword)                             \
  X(kEventReason, "event.reason", kText)                            \
  X(kParseErrorMsg, "error.message", kText)                         \
  X(kSourceIp, "source.ip", kIp)                                    \
  X(kSourcePort, "source.port", kLong)                              \
  X(kSourceAddress, "source.address", kKeyword)                     \
  X(kSourceBytes, "source.bytes", kLong)                            \
  X(kSourceMac, "source.mac", kKeyword)                             \
  X(kDestinationIp, "destination.ip", kIp)                          \
  X(kDestinationPort, "destination.port", kLong)                    \
  X(kDestinationAddress, "destination.address", kKeyword)           \
  X(kDestinationBytes, "destination.bytes", kLong)                  \
  X(kNetworkTransport, "network.transport", kKeyword)               \
  X(kNetworkProtocol, "network.protocol", kKeyword)                 \
  X(kNetworkBytes, "network.bytes", kLong)                          \
  X(kIngressInterface, "observer.ingress.interface.name", kKeyword) \
  X(kEgressInterface, "observer.egress.interface.name", kKeyword)   \
  X(kObserverVendor, "observer.vendor", kKeyword)                   \
  X(kObserverProduct, "observer.product", kKeyword)                 \
  X(kObserverVersion, "observer.version", kKeyword)                 \
  X(kUserName, "user.name", kKeyword)                               \
  X(kUserId, "user.id", kKeyword)                                   \
  X(kUserEffectiveName, "user.effective.name", kKeyword)            \
  X(kUserTargetName, "user.target.name", kKeyword)                  \
  X(kUserTerminal, "user.terminal", kKeyword)                       \
  X(kUserEffectiveId, "user.effective.id", kKeyword)                \
  X(kHttpMethod, "http.request.method", kKeyword)                   \
  X(kHttpReferrer, "http.request.referrer", kKeyword)               \
  X(kHttpStatus, "http.response.status_code", kLong)                \
  X(kHttpBodyBytes, "http.response.body.bytes", kLong)              \
  X(kHttpVersion, "http.version", kKeyword)                         \
  X(kUrlOriginal, "url.original", kKeyword)                         \
  X(kUrlPath, "url.path", kKeyword)                                 \
  X(kUrlQuery, "url.query", kKeyword)                               \
  X(kUserAgent, "user_agent.original", kKeyword)                    \
  X(kAuditdType, "auditd.log.record_type", kKeyword)                \
  X(kAuditdSequence, "auditd.log.sequence", kLong)                  \
  X(kAuditdResult, "auditd.log.res", kKeyword)                      \
  X(kAuditUserId, "user.audit.id", kKeyword)                        \
  X(kFilePath, "file.path", kKeyword)                               \
  X(kRuleName, "rule.name", kKeyword)                               \
  X(kCefName, "cef.name", kText)                                    \
  X(kCefSignatureId, "cef.signature_id", kKeyword)                  \
  X(kCefVersion, "cef.version", kKeyword)                           \
  X(kSshMethod, "ssh.method", kKeyword)                             \
  X(kInputType, "input.type", kKeyword)

enum : FieldId {
#define WARDSEC_FIELD_ENUM(c, n, t) c,
  WARDSEC_FIELDS(WARDSEC_FIELD_ENUM)
#undef WARDSEC_FIELD_ENUM
      kFirstDynamicField
};

class FieldRegistry {
 public:
  // Returns the id for a name, adding it if new. Past kMaxDynamic names, returns kNoField
  // (the caller keeps the value elsewhere) so hostile input cannot grow the table forever.
  static FieldId intern(std::string_view name);
  static FieldId find(std::string_view name);  // kNoField if unknown
  static std::string_view name(FieldId id);
  static FieldType type(FieldId id);
  static constexpr size_t kMaxDynamic = 16384;
};

}  // namespace wardsec
