// SPDX-License-Identifier: GPL-2.0-only
#include "model/include/linux/list.hpp"

#include <fmt/format.h>

#include "sim/runtime/execution.hpp"

namespace model {

list_head::list_head(std::string name, void* c)
    : sim::Object(std::move(name)),
      next(c ? nullptr : this),
      prev(c ? nullptr : this),
      on_list(c ? nullptr : this),
      container(c) {}

namespace {

// __list_del: link the neighbours of an entry to each other.
void list_unlink(list_head* entry) {
  entry->next->prev = entry->prev;
  entry->prev->next = entry->next;
}

}  // namespace

void list_add(list_head* entry, list_head* head) {
  list_head* next = head->next;
  next->prev = entry;
  entry->next = next;
  entry->prev = head;
  head->next = entry;
  entry->on_list = head->on_list;
}

void list_del(list_head* entry) {
  list_unlink(entry);
  entry->next = entry->prev = nullptr;  // LIST_POISON1, LIST_POISON2
  entry->on_list = nullptr;
}

void list_move(list_head* entry, list_head* head) {
  list_unlink(entry);
  list_add(entry, head);
}

void oracle_list_walk_step(const list_head* head, const list_head* pos, bool freed,
                           list_dir dir, const char* function) {
  if (pos->on_list == head && !freed) return;
  std::string onto;
  if (freed)
    onto = pos->name() + ", which kvm_mmu_free_page freed";
  else if (!pos->container)
    onto = "the head of " + pos->name();
  else if (pos->on_list)
    onto = pos->name() + ", which is on " + pos->on_list->name();
  else
    onto = pos->name() + ", which list_del took off every list";
  sim::fail("list-walk-freed-page",
            fmt::format("{}: list_for_each_entry_safe{} over {} stepped onto {}", function,
                        dir == list_dir::prev ? "_reverse" : "", head->name(), onto));
}

list_head* list_walk_read(list_head* node, list_dir dir, const char* function) {
  sim::Execution& ex = sim::Execution::current();
  ex.point(sim::Label(node, function, sim::Access::read));
  list_head* to = dir == list_dir::next ? node->next : node->prev;
  if (ex.recording()) ex.record("load", node, to->name(), function);
  return to;
}

}  // namespace model
