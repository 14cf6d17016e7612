// SPDX-License-Identifier: GPL-2.0-only
#include "model/variants/features.hpp"

#include <fmt/format.h>

namespace model {

namespace {

// The spelling of each enumerator, as variants files write it: the C++
// name.
template <typename E>
struct Spelling {
  const char* name;
  E value;
};

template <typename E, size_t N>
using Spellings = std::array<Spelling<E>, N>;

constexpr Spellings<InProgressFlag, 4> kInProgressFlag = {{
    {"none", InProgressFlag::none},
    {"odd_generation", InProgressFlag::odd_generation},
    {"bit0", InProgressFlag::bit0},
    {"bit63", InProgressFlag::bit63},
}};
constexpr Spellings<MmioGenLayout, 4> kMmioGenLayout = {{
    {"gen19", MmioGenLayout::gen19},
    {"gen20_low_bit_dropped", MmioGenLayout::gen20_low_bit_dropped},
    {"genmask20_high_unshifted", MmioGenLayout::genmask20_high_unshifted},
    {"genmask19_high_unshifted", MmioGenLayout::genmask19_high_unshifted},
}};
constexpr Spellings<MmioWrapCheck, 3> kMmioWrapCheck = {{
    {"at_max_gen", MmioWrapCheck::at_max_gen},
    {"at_zero", MmioWrapCheck::at_zero},
    {"at_zero_any_address_space", MmioWrapCheck::at_zero_any_address_space},
}};
constexpr Spellings<MmioWrapResponse, 2> kMmioWrapResponse = {{
    {"zap_all_pages", MmioWrapResponse::zap_all_pages},
    {"zap_mmio_sptes", MmioWrapResponse::zap_mmio_sptes},
}};
constexpr Spellings<FlushShadowAll, 2> kFlushShadowAll = {{
    {"invalidate_zap_all_pages", FlushShadowAll::invalidate_zap_all_pages},
    {"zap_all", FlushShadowAll::zap_all},
}};

template <auto& spellings>
std::string one_of() {
  std::vector<std::string> names;
  for (const auto& s : spellings) names.push_back(s.name);
  return fmt::format("one of {}", fmt::join(names, ", "));
}

// The field `member` of a Variant (const or not), or of its Pfncache.
template <typename V, typename T>
auto& field(V& v, T Variant::*member) {
  return v.*member;
}
template <typename V, typename T>
auto& field(V& v, T Pfncache::*member) {
  return v.pfncache.*member;
}

template <auto member>
Feature boolean(const char* name) {
  return {name, [](Variant& v, const sim::JsonIn& j) { field(v, member) = j.boolean(); },
          [](const Variant& v) { return nlohmann::json(field(v, member)); }};
}

template <auto member>
Feature integer(const char* name) {
  return {name, [](Variant& v, const sim::JsonIn& j) { field(v, member) = j.i64(); },
          [](const Variant& v) { return nlohmann::json(field(v, member)); }};
}

// An unsigned field, with the range the model handles.
template <auto member, uint64_t min = 0, uint64_t max = UINT64_MAX>
Feature unsigned_integer(const char* name) {
  return {name,
          [](Variant& v, const sim::JsonIn& j) {
            using T = std::remove_reference_t<decltype(field(v, member))>;
            static_assert(max <= std::numeric_limits<T>::max());
            const uint64_t x = j.u64();
            if (x < min || x > max) j.error(fmt::format("expected {}..{}", min, max));
            field(v, member) = static_cast<T>(x);
          },
          [](const Variant& v) { return nlohmann::json(field(v, member)); }};
}

template <auto member, auto& spellings>
Feature enumeration(const char* name) {
  return {name,
          [](Variant& v, const sim::JsonIn& j) {
            const std::string s = j.str();
            for (const auto& e : spellings)
              if (s == e.name) {
                field(v, member) = e.value;
                return;
              }
            j.error(fmt::format("'{}' is not {}", s, one_of<spellings>()));
          },
          [](const Variant& v) {
            for (const auto& e : spellings)
              if (field(v, member) == e.value) return nlohmann::json(e.name);
            return nlohmann::json(nullptr);  // unreachable: every enumerator is spelled
          }};
}

std::vector<Feature> table() {
  using V = Variant;
  using P = Pfncache;
  return {
      // KVM_ADDRESS_SPACE_NUM: 1, or 2 on x86 from 4bd518f1598d.
      unsigned_integer<&V::address_spaces, 1, 2>("address_spaces"),
      enumeration<&V::in_progress_flag, kInProgressFlag>("in_progress_flag"),
      integer<&V::initial_generation_base>("initial_generation_base"),
      unsigned_integer<&V::initial_generation_stride>("initial_generation_stride"),
      boolean<&V::arch_hook_before_final_generation>("arch_hook_before_final_generation"),
      enumeration<&V::mmio_gen_layout, kMmioGenLayout>("mmio_gen_layout"),
      boolean<&V::mmio_generation_biased>("mmio_generation_biased"),
      boolean<&V::check_mmio_spte_tests_in_progress>("check_mmio_spte_tests_in_progress"),
      enumeration<&V::mmio_wrap_check, kMmioWrapCheck>("mmio_wrap_check"),
      enumeration<&V::mmio_wrap_response, kMmioWrapResponse>("mmio_wrap_response"),
      boolean<&V::mmio_cache_checks_generation>("mmio_cache_checks_generation"),
      boolean<&V::mmio_cache_skips_in_flux>("mmio_cache_skips_in_flux"),
      boolean<&V::flush_memslot_zaps_slot_only>("flush_memslot_zaps_slot_only"),
      enumeration<&V::flush_shadow_all, kFlushShadowAll>("flush_shadow_all"),
      boolean<&V::prepare_zap_reports_list_unstable>("prepare_zap_reports_list_unstable"),
      boolean<&V::models_x86_mmu>("models_x86_mmu"),
      boolean<&V::memslot_publish_waits_for_invalidations>(
          "memslot_publish_waits_for_invalidations"),
      boolean<&P::present>("pfncache.present"),
      boolean<&P::error_hva_resets_pfn>("pfncache.error_hva_resets_pfn"),
      boolean<&P::evict_without_request>("pfncache.evict_without_request"),
      boolean<&P::refresh_reworked>("pfncache.refresh_reworked"),
      boolean<&P::pins_page>("pfncache.pins_page"),
      boolean<&P::active_rules>("pfncache.active_rules"),
      boolean<&P::khva_follows_offset>("pfncache.khva_follows_offset"),
      boolean<&P::locks_initialized_once>("pfncache.locks_initialized_once"),
  };
}

}  // namespace

const std::vector<Feature>& all_features() {
  static const std::vector<Feature> features = table();
  return features;
}

const Feature& find_feature(const std::string& name, const std::string& where) {
  for (const Feature& f : all_features())
    if (f.name == name) return f;
  throw sim::InputError(fmt::format(
      "{}: unknown feature '{}' ('kvmsim variants --features' lists them)", where, name));
}

std::string feature_value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::vector<const Feature*> differing_features(const Variant& a, const Variant& b) {
  std::vector<const Feature*> out;
  for (const Feature& f : all_features())
    if (f.get(a) != f.get(b)) out.push_back(&f);
  return out;
}

}  // namespace model
