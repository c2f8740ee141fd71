// Result<T>: the value or an error. Untrusted input never throws on the data path; functions
// that can fail on input return a Result and the caller decides (see docs/STYLE.md).
//
// The error is an Error (a message) unless the caller needs more than a message: then it is
// a struct with a `message` and the extra fields (search::QueryError names the column,
// server::AuthError the HTTP status), as Result<T, E> and BasicStatus<E>. One style either way:
// ok() / operator bool, value(), error() for the message, failure() for the whole error.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace wardsec {

struct Error {
  std::string message;
};

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E e) : v_(std::in_place_index<1>, std::move(e)) {}          // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const std::string& error() const { return std::get<1>(v_).message; }
  const E& failure() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// BasicStatus<E>: success or an error; Status is the one with a message only.
template <class E = Error>
class [[nodiscard]] BasicStatus {
 public:
  BasicStatus() = default;
  BasicStatus(E e) : err_(std::move(e)) {}  // NOLINT
  static BasicStatus Ok() { return {}; }
  bool ok() const { return !err_; }
  explicit operator bool() const { return ok(); }
  // The message; empty on success.
  const std::string& error() const {
    static const std::string none;
    return err_ ? err_->message : none;
  }
  const E& failure() const { return *err_; }

 private:
  std::optional<E> err_;
};
using Status = BasicStatus<>;

}  // namespace wardsec
