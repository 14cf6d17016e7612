// SPDX-License-Identifier: GPL-2.0-only
// include/linux/list.h as the shadow MMU uses it: a circular doubly linked
// list threaded through a head sentinel. The model also remembers which list
// each node is on, which the kernel does not: a walk can then tell that it
// stepped off the list it walks, where the kernel would carry on through
// another list, a poisoned pointer or freed memory.
#pragma once

#include <string>

#include "sim/object.hpp"

namespace model {

struct list_head : sim::Object {
  // A head (no container) starts as an empty list (LIST_HEAD); an entry
  // embedded in `container` starts on no list.
  explicit list_head(std::string name, void* container = nullptr);

  list_head* next;
  list_head* prev;
  // Model only: the head of the list this node is on; a head is on its own
  // list. nullptr after list_del, where the kernel leaves LIST_POISON.
  list_head* on_list;
  // Model only: the structure this entry is embedded in (what container_of
  // computes); nullptr for a head.
  void* container;
};

inline bool list_empty(const list_head* head) { return head->next == head; }

// Inserts `entry` right after `head` (at the front when `head` is a head).
void list_add(list_head* entry, list_head* head);
// Unlinks `entry` and poisons its pointers.
void list_del(list_head* entry);
// Unlinks `entry` from its list and adds it after `head`.
void list_move(list_head* entry, list_head* head);

template <class T>
T* list_entry(const list_head* node) {
  return static_cast<T*>(node->container);
}

// The entry at the tail; callers check list_empty first, as in the kernel.
template <class T>
T* list_last_entry(const list_head* head) {
  return list_entry<T>(head->prev);
}

// Which way a walk goes: list_for_each_entry_safe follows ->next from the
// head, list_for_each_entry_safe_reverse follows ->prev from the tail.
enum class list_dir { next, prev };

// The oracle of every walk step (kind list-walk-freed-page): `pos` must be
// an entry of the walked list `head`, and not freed. `function` is the
// kernel function that walks.
void oracle_list_walk_step(const list_head* head, const list_head* pos, bool freed,
                           list_dir dir, const char* function);

// Reads node->next (or node->prev) for a walk: a scheduling point, so that a
// walk that never ends meets the execution's step bound, and a "load" event
// when recording.
list_head* list_walk_read(list_head* node, list_dir dir, const char* function);

// list_for_each_entry_safe(pos, n, head, member), driven by the walker:
//
//   for (list_safe_walk<T> w(head, __func__); !w.done(); w.next()) { T* pos = w.pos(); ... }
//
// n = pos->next is read before the body runs, and after the body the walk
// goes on at that n wherever it has gone meanwhile, exactly like the macro:
// the body may move or delete pos, nothing else. T has a `freed` flag (an
// entry freed in the model stays allocated, so stepping onto it is reported
// instead of being undefined behaviour). With list_dir::prev it is
// list_for_each_entry_safe_reverse: from the tail, n = pos->prev.
template <class T, list_dir Dir = list_dir::next>
class list_safe_walk {
 public:
  list_safe_walk(list_head* head, const char* function) : head_(head), function_(function) {
    step(list_walk_read(head, Dir, function));
  }
  bool done() const { return pos_ == head_; }
  T* pos() const { return list_entry<T>(pos_); }
  void next() { step(n_); }

 private:
  void step(list_head* node) {
    pos_ = node;
    if (done()) return;
    oracle_list_walk_step(head_, pos_, pos_->container && pos()->freed, Dir, function_);
    n_ = list_walk_read(pos_, Dir, function_);
  }

  list_head* head_;
  const char* function_;
  list_head* pos_ = nullptr;
  list_head* n_ = nullptr;
};

template <class T>
using list_safe_walk_reverse = list_safe_walk<T, list_dir::prev>;

}  // namespace model
