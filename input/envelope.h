// From a decoded record to an Envelope, or to the report of a record that is not one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/messages.h"
#include "gridstat/input.h"

namespace gridstat::input {

// The report of a malformed record (rule "envelope"): `problem`, in `lang`, with where it was found.
Report MalformedReport(const std::string& file, int line, const std::optional<std::string>& id, const std::string& survey,
                       const MessageText& problem, Lang lang);
// The same for a record whose text cannot be decoded: its id and survey are salvaged
// from the text when it shows them.
Report UnreadableRecord(const std::string& path, int line, std::string_view text, const MessageText& problem,
                        Lang lang);
// Passes the envelope of a decoded record to `on_record`, or its report to `on_malformed`.
// `yaml`: plain digits are taken as text for the members that are text (period: 2021).
void EmitRecord(const std::string& path, int line, Doc doc, const std::function<void(Envelope)>& on_record,
                const std::function<void(Report)>& on_malformed, Lang lang, bool yaml = false);

}  // namespace gridstat::input
