#include "incident/taxonomy.h"

#include <algorithm>
#include <array>

namespace wardsec::incident {

namespace {

constexpr std::array<Category, 10> kCategories{{
    {"MP", "恶意程序事件", "Malicious program"},
    {"NA", "网络攻击事件", "Network attack"},
    {"DS", "数据安全事件", "Data security"},
    {"IC", "信息内容安全事件", "Information content security"},
    {"DE", "设备设施故障事件", "Device and facility failure"},
    {"RO", "违规操作事件", "Rule-violating operation"},
    {"SHE", "安全隐患事件", "Security hidden danger"},
    {"AB", "异常行为事件", "Abnormal behaviour"},
    {"FOC", "不可抗力事件", "Force majeure"},
    {"OTH", "其他事件", "Other"},
}};

constexpr Subcategory kSubcategories[] = {
    {"MPEVIR", "MP", "计算机病毒事件", "Computer virus"},
    {"MPWORM", "MP", "网络蠕虫事件", "Network worm"},
    {"MPTROJ", "MP", "特洛伊木马事件", "Trojan horse"},
    {"MPZOMB", "MP", "僵尸网络事件", "Botnet"},
    {"MPWEB", "MP", "恶意代码内嵌网页事件", "Malicious code embedded in web pages"},
    {"MPHOST", "MP", "恶意代码宿主站点事件", "Malicious code hosting site"},
    {"MPRANS", "MP", "勒索软件事件", "Ransomware"},
    {"MPMINER", "MP", "挖矿病毒事件", "Cryptomining malware"},
    {"MPHYBR", "MP", "混合攻击程序事件", "Blended attack program"},
    {"MPOTH", "MP", "其他恶意程序事件", "Other malicious program"},
    {"NASCAN", "NA", "网络扫描探测事件", "Network scanning and probing"},
    {"NAPHISH", "NA", "网络钓鱼事件", "Phishing"},
    {"NAEXPLOIT", "NA", "漏洞利用事件", "Vulnerability exploitation"},
    {"NABACKDOOR", "NA", "后门利用事件", "Backdoor use"},
    {"NABACKIMPL", "NA", "后门植入事件", "Backdoor implantation"},
    {"NACRED", "NA", "凭据攻击事件", "Credential attack"},
    {"NASIGINT", "NA", "信号干扰事件", "Signal interference"},
    {"NADOS", "NA", "拒绝服务事件", "Denial of service"},
    {"NAWEBMOD", "NA", "网页篡改事件", "Web page tampering (defacement)"},
    {"NALINK", "NA", "暗链植入事件", "Hidden link implantation"},
    {"NADNSHIJ", "NA", "域名劫持事件", "Domain name hijacking"},
    {"NATRANSFER", "NA", "域名转嫁事件", "Domain name redirection to others"},
    {"NADNSPOLL", "NA", "DNS污染事件", "DNS poisoning"},
    {"NAWLANH", "NA", "WLAN劫持事件", "WLAN hijacking"},
    {"NATRAFHIJ", "NA", "流量劫持事件", "Traffic hijacking"},
    {"NABGPATT", "NA", "BGP劫持攻击事件", "BGP hijacking"},
    {"NABRDCAST", "NA", "广播欺诈事件", "Broadcast spoofing"},
    {"NAHACKED", "NA", "失陷主机事件", "Compromised host"},
    {"NASUPPLY", "NA", "供应链攻击事件", "Supply-chain attack"},
    {"NAAPT", "NA", "APT事件", "Advanced persistent threat"},
    {"NAOTH", "NA", "其他网络攻击事件", "Other network attack"},
    {"DSDATAALTER", "DS", "数据篡改事件", "Data tampering"},
    {"DSDATAFAKE", "DS", "数据假冒事件", "Data forgery"},
    {"DSDATALEAK", "DS", "数据泄露事件", "Data leak"},
    {"DSSOCENG", "DS", "社会工程事件", "Social engineering"},
    {"DSDATASTEAL", "DS", "数据窃取事件", "Data theft"},
    {"DSDATAINTER", "DS", "数据拦截事件", "Data interception"},
    {"DSLOCDETECT", "DS", "位置检测事件", "Location detection"},
    {"DSDATAPOLL", "DS", "数据投毒事件", "Data poisoning"},
    {"DSDATAABUSE", "DS", "数据滥用事件", "Data abuse"},
    {"DSPRIVACY", "DS", "隐私侵犯事件", "Privacy infringement"},
    {"DSDATALOSS", "DS", "数据损失事件", "Data loss"},
    {"DSOTH", "DS", "其他数据安全事件", "Other data security"},
    {"ICRADICAL", "IC", "反动宣传事件", "Subversive propaganda"},
    {"ICTERROR", "IC", "暴恐宣扬事件", "Terrorism and extremism promotion"},
    {"ICPORN", "IC", "色情传播事件", "Pornography"},
    {"ICFAKENEWS", "IC", "虚假信息传播事件", "False information"},
    {"ICRIGHTS", "IC", "权益侵害事件", "Infringement of rights"},
    {"ICSPAM", "IC", "信息滥发事件", "Spam"},
    {"ICFRAUD", "IC", "网络欺诈事件", "Online fraud"},
    {"ICOTH", "IC", "其他信息内容安全事件", "Other information content security"},
    {"DETECH", "DE", "技术故障事件", "Technical failure"},
    {"DEACCFAC", "DE", "配套设施故障事件", "Supporting facility failure (power, cooling)"},
    {"DEPHYS", "DE", "物理损害事件", "Physical damage"},
    {"DERADINT", "DE", "辐射干扰事件", "Radiation interference"},
    {"DEOTH", "DE", "其他设备设施故障事件", "Other device and facility failure"},
    {"ROPABUSE", "RO", "权限滥用事件", "Privilege abuse"},
    {"ROPFAKE", "RO", "权限伪造事件", "Privilege forgery"},
    {"ROPDENY", "RO", "行为抵赖事件", "Repudiation"},
    {"ROPINTENT", "RO", "故意违规操作事件", "Deliberate violation"},
    {"ROPMISTAKE", "RO", "误操作事件", "Operating mistake"},
    {"ROPUAVAIL", "RO", "人员可用性破坏事件", "Staff availability breach"},
    {"ROPNOUNAUTH", "RO", "资源未授权使用事件", "Unauthorised use of resources"},
    {"ROPO", "RO", "其他违规操作事件", "Other rule-violating operation"},
    {"SHEVULN", "SHE", "网络漏洞事件", "Network vulnerability"},
    {"SHECONFIG", "SHE", "网络配置合规缺陷事件", "Configuration compliance defect"},
    {"SHEOTH", "SHE", "其他安全隐患事件", "Other hidden danger"},
    {"ABACCESS", "AB", "访问异常事件", "Abnormal access"},
    {"ABTRAFFIC", "AB", "流量异常事件", "Abnormal traffic"},
    {"ABOTH", "AB", "其他异常行为事件", "Other abnormal behaviour"},
    {"FOCDISASTER", "FOC", "自然灾害事件", "Natural disaster"},
    {"FOCACCIDENT", "FOC", "事故灾难事件", "Accident"},
    {"FOCHEALTH", "FOC", "公共卫生事件", "Public health event"},
    {"FOCSOCIALSEC", "FOC", "社会安全事件", "Social security event"},
    {"FOCOTH", "FOC", "其他不可抗力事件", "Other force majeure"},
    {"OTH", "OTH", "其他事件", "Other incident"},
};

}  // namespace

std::span<const Category> categories() { return kCategories; }
std::span<const Subcategory> subcategories() { return kSubcategories; }

const Category* find_category(std::string_view code) {
  auto it = std::find_if(kCategories.begin(), kCategories.end(), [&](const Category& c) { return c.code == code; });
  return it == kCategories.end() ? nullptr : &*it;
}

const Subcategory* find_subcategory(std::string_view code) {
  for (const auto& s : kSubcategories)
    if (s.code == code) return &s;
  return nullptr;
}

}  // namespace wardsec::incident
