// The XLSX forms' workbook (libxlsxwriter), private to src/report.
#pragma once
#include <xlsxwriter.h>

#include <string>

#include "core/result.h"

namespace wardsec::report::detail {

// A workbook with the reports' two formats: a header cell and a wrapped, bordered cell.
struct Book {
  lxw_workbook* wb;
  lxw_format *head = nullptr, *cell = nullptr;
  explicit Book(const std::string& path) : wb(workbook_new(path.c_str())) {
    if (!wb) return;
    head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xEEF2F8);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    cell = workbook_add_format(wb);
    format_set_text_wrap(cell);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_align(cell, LXW_ALIGN_VERTICAL_TOP);
  }
  Status close(const std::string& path) {
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) return Error{"writing " + path + ": " + lxw_strerror(e)};
    return {};
  }
};

}  // namespace wardsec::report::detail
