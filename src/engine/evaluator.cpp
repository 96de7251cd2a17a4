#include "engine/evaluator.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <type_traits>

#include "model/as_of.hpp"
#include "model/enums.hpp"
#include "model/patient_schema.hpp"
#include "time/calendar.hpp"

namespace carecoord::engine {

using rules::CmpOp;
using rules::ListRef;
using rules::Node;
using rules::Op;
using rules::TypeKind;

namespace {

std::int32_t days(Date d) { return static_cast<std::int32_t>(d.time_since_epoch().count()); }
Date to_date(std::int64_t d) { return Date{std::chrono::days{d}}; }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

int code_slot(rules::Field f) {
    switch (f) {
        case rules::Field::cond_code: return 0;
        case rules::Field::enc_diagnosis: return 1;
        case rules::Field::med_code: return 2;
        case rules::Field::obs_code: return 3;
        default: return -1;
    }
}

std::size_t coll_size(const Patient& p, Coll c) {
    switch (c) {
        case Coll::coverage: return p.coverage.size();
        case Coll::conditions: return p.conditions.size();
        case Coll::encounters: return p.encounters.size();
        case Coll::care_team: return p.care_team.size();
        case Coll::medications: return p.medications.size();
        case Coll::observations: return p.observations.size();
        default: return 0;
    }
}

// -1, 0 or 1 as known a is below, equal to or above known b (a date and a datetime compare
// by calendar date).
int compare_known(const Value& a, TypeKind ka, const Value& b, TypeKind kb) {
    if (ka == TypeKind::number) return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
    if (ka == TypeKind::string || ka == TypeKind::code) {
        int c = a.s.compare(b.s);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    if (ka != kb && (ka == TypeKind::date || ka == TypeKind::datetime)) {
        std::int64_t x = ka == TypeKind::datetime ? floor_div(a.i, 1440) : a.i;
        std::int64_t y = kb == TypeKind::datetime ? floor_div(b.i, 1440) : b.i;
        return x < y ? -1 : x > y ? 1 : 0;
    }
    return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
}

bool holds(CmpOp op, int c) {
    switch (op) {
        case CmpOp::eq: return c == 0;
        case CmpOp::ne: return c != 0;
        case CmpOp::lt: return c < 0;
        case CmpOp::le: return c <= 0;
        case CmpOp::gt: return c > 0;
        case CmpOp::ge: return c >= 0;
    }
    return false;
}

}  // namespace

Scratch& thread_scratch() {
    thread_local std::unique_ptr<Scratch> scratch;
    if (!scratch) scratch = std::make_unique<Scratch>();
    return *scratch;
}

void Scratch::reset(const Plan& plan, const Patient& patient, const rules::ValueSetTable* shared_codes) {
    arena.clear();
    scope.assign(static_cast<std::size_t>(plan.max_depth) + 1, Element{});
    // Only the states: a fact's value and missing bits are written before it is marked done,
    // so the 80-odd bytes of each slot need not be cleared per plan.
    facts.resize(plan.facts.size());
    for (auto& f : facts) f.state = FactState::pending;
    base_ready.fill(false);
    // Grown, never shrunk: the indexes keep their storage across evaluations.
    if (joins.size() < plan.joins.size()) joins.resize(plan.joins.size());
    for (std::size_t j = 0; j < plan.joins.size(); ++j) joins[j].state = JoinIndex::State::unbuilt;
    join_outer.clear();
    // Code bits do not depend on the as-of date or the plan, only on the codes and the table.
    if (!shared_codes || shared_codes != codes_table) {
        std::size_t words = plan.valuesets.words();
        const std::size_t sizes[4] = {patient.conditions.size(), patient.encounters.size(),
                                      patient.medications.size(), patient.observations.size()};
        for (int i = 0; i < 4; ++i) {
            code_bits[static_cast<std::size_t>(i)].resize(sizes[i] * words);
            code_done[static_cast<std::size_t>(i)].assign(sizes[i], 0);
        }
    }
    codes_table = shared_codes;
    texts.clear();
}

Evaluator::Evaluator(const Plan& plan, const Patient& patient, Date as_of, Scratch& scratch, TierInput tier,
                     const rules::ValueSetTable* shared_codes)
    : plan_(plan), p_(patient), as_of_(days(as_of)), s_(scratch), tier_(tier) {
    s_.reset(plan, patient, shared_codes);
}

void Evaluator::missing_names(std::uint64_t mask, std::vector<std::string>& out) {
    if (mask == 0) return;
    for (const auto& f : rules::field_table())
        if (f.missing_bit >= 0 && ((mask >> f.missing_bit) & 1u)) out.emplace_back(f.path);
}

bool Evaluator::visible(Coll c, std::uint32_t parent, std::uint32_t i) const {
    switch (c) {
        case Coll::coverage: return model::as_of::visible(p_.coverage[i], as_of_);
        case Coll::conditions: return model::as_of::visible(p_.conditions[i], as_of_);
        case Coll::encounters: return model::as_of::visible(p_.encounters[i], as_of_);
        case Coll::observations: return model::as_of::visible(p_.observations[i], as_of_);
        case Coll::med_events: return model::as_of::visible(p_.medications[parent].events[i], as_of_);
        case Coll::care_team: return model::as_of::visible(p_.care_team[i], as_of_);
        case Coll::medications: return model::as_of::visible(p_.medications[i], as_of_);
        case Coll::none: break;
    }
    return true;
}

ListRef Evaluator::collection(Coll c) {
    auto slot = static_cast<std::size_t>(c);
    if (s_.base_ready[slot]) return s_.base[slot];
    ListRef r;
    r.coll = c;
    r.offset = static_cast<std::uint32_t>(s_.arena.size());
    auto n = static_cast<std::uint32_t>(coll_size(p_, c));
    for (std::uint32_t i = 0; i < n; ++i)
        if (visible(c, 0, i)) s_.arena.push_back(i);
    r.count = static_cast<std::uint32_t>(s_.arena.size()) - r.offset;
    s_.base[slot] = r;
    s_.base_ready[slot] = true;
    return r;
}

ListRef Evaluator::nested_events(std::uint32_t medication) {
    ListRef r;
    r.coll = Coll::med_events;
    r.parent = medication;
    r.offset = static_cast<std::uint32_t>(s_.arena.size());
    const auto& events = p_.medications[medication].events;
    for (std::uint32_t i = 0; i < events.size(); ++i)
        if (visible(Coll::med_events, medication, i)) s_.arena.push_back(i);
    r.count = static_cast<std::uint32_t>(s_.arena.size()) - r.offset;
    return r;
}

const std::uint64_t* Evaluator::code_bits(Field f, std::uint32_t index) {
    int slot = code_slot(f);
    auto& done = s_.code_done[static_cast<std::size_t>(slot)];
    auto* bits = s_.code_bits[static_cast<std::size_t>(slot)].data() + index * plan_.valuesets.words();
    if (!done[index]) {
        const std::string* code = nullptr;
        const std::string* system = nullptr;
        const std::vector<AlsoCoded>* also = nullptr;
        switch (f) {
            case Field::cond_code: code = &p_.conditions[index].code; system = &p_.conditions[index].system; also = &p_.conditions[index].also_coded; break;
            case Field::enc_diagnosis: code = &p_.encounters[index].diagnosis; system = &p_.encounters[index].diagnosis_system; also = &p_.encounters[index].diagnosis_also_coded; break;
            case Field::med_code: code = &p_.medications[index].code; system = &p_.medications[index].system; also = &p_.medications[index].also_coded; break;
            default: code = &p_.observations[index].code; system = &p_.observations[index].system; also = &p_.observations[index].also_coded; break;
        }
        plan_.valuesets.lookup(*system, *code, bits);
        // Every coding counts: the value sets of the further codings are added.
        if (!also->empty()) {
            auto& more = s_.lookup_bits;
            more.resize(plan_.valuesets.words());
            for (const auto& a : *also) {
                plan_.valuesets.lookup(a.system, a.code, more.data());
                for (std::size_t w = 0; w < more.size(); ++w) bits[w] |= more[w];
            }
        }
        done[index] = 1;
    }
    return bits;
}

const std::uint64_t* Evaluator::valueset_bits(std::int32_t code_node, const Value& code) {
    // Codes read from the patient carry their element index: their bits are looked up once
    // per evaluation (code_bits). Any other code (a literal, a code built by an expression)
    // is looked up on the spot, into the one scratch buffer.
    const Node& src = plan_.nodes[static_cast<std::size_t>(code_node)];
    if (src.op == Op::elem_field) return code_bits(src.field(), static_cast<std::uint32_t>(code.i));
    s_.lookup_bits.resize(plan_.valuesets.words());
    plan_.valuesets.lookup(code.system ? *code.system : std::string_view{}, code.s, s_.lookup_bits.data());
    return s_.lookup_bits.data();
}

Value Evaluator::code_value(Field f, std::uint32_t index) {
    Value v;
    switch (f) {
        case Field::cond_code: v.s = p_.conditions[index].code; v.system = &p_.conditions[index].system; break;
        case Field::enc_diagnosis: v.s = p_.encounters[index].diagnosis; v.system = &p_.encounters[index].diagnosis_system; break;
        case Field::med_code: v.s = p_.medications[index].code; v.system = &p_.medications[index].system; break;
        default: v.s = p_.observations[index].code; v.system = &p_.observations[index].system; break;
    }
    v.i = index;  // lets in_valueset find the cached bits
    return v;
}

// One field of one record, by the columns of its schema row: what absence means (unknown
// or none) and its as-of rule (model/as_of.hpp).
template <model::Kind K, model::Absence A, model::AsOf R, class Rec, class M>
Value Evaluator::read(Field f, std::uint32_t index, const Rec& rec, const M& member) {
    using model::AsOf;
    using model::Kind;
    (void)rec;
    [[maybe_unused]] Value v;  // unused in the code branch (clang warns there)
    if constexpr (K == Kind::code) {
        // A code that may be empty reads as none when it is (a diagnosis not recorded).
        if constexpr (A == model::Absence::none)
            if (member.empty()) return Value::none_value();
        return code_value(f, index);
    } else {
        (void)f;
        (void)index;
        return read_value<K, A, R>(rec, member);
    }
}

template <model::Kind K, model::Absence A, model::AsOf R, class Rec, class M>
Value Evaluator::read_value(const Rec& rec, const M& member) const {
    using model::AsOf;
    using model::Kind;
    (void)rec;
    Value v;
    if constexpr (requires { member.has_value(); }) {
        if (!member) return A == model::Absence::unknown ? Value::unknown_value() : Value::none_value();
    }
    const auto& x = [&]() -> decltype(auto) {
        if constexpr (requires { member.has_value(); }) return *member;
        else return (member);
    }();
    using T = std::remove_cvref_t<decltype(x)>;
    if constexpr (K == Kind::text) {
        v.s = x;
    } else if constexpr (K == Kind::date) {
        v = Value::integer(model::as_of::day_number(x));
        if constexpr (R == AsOf::until_as_of)
            if (!model::as_of::happened(static_cast<std::int32_t>(v.i), as_of_)) return Value::none_value();
    } else if constexpr (K == Kind::datetime) {
        v = Value::integer(model::as_of::minute_number(x));
        if constexpr (R == AsOf::until_as_of)
            if (!model::as_of::happened_minute(v.i, as_of_)) return Value::none_value();
    } else if constexpr (K == Kind::boolean) {
        if constexpr (R == AsOf::open_since)
            if (model::as_of::opened_later(rec, as_of_)) return Value::boolean(false);
        v = Value::boolean(x);
    } else if constexpr (K == Kind::enumeration) {
        if constexpr (R == AsOf::active_until_abated)
            return Value::integer(static_cast<std::int64_t>(model::as_of::status_on(rec, as_of_)));
        if constexpr (R == AsOf::after_discharge)
            if (!model::as_of::discharged(rec, as_of_)) return Value::none_value();
        v = Value::integer(static_cast<std::int64_t>(x));
    } else if constexpr (K == Kind::number || K == Kind::whole_number) {
        v = Value::number(static_cast<double>(x));
    } else {
        static_assert(sizeof(T) == 0, "no rule reads this kind of field");
    }
    return v;
}

// The field reads, generated from the X rows of model/patient_schema.hpp. Lists are read
// through collection() and nested_events(), not here.
#define CARECOORD_READ_X(R, ID, NAME, MEMBER, KIND, TYPE, ABSENCE, ASOF, SET) \
    CARECOORD_READ_##KIND(ID, MEMBER, KIND, ABSENCE, ASOF)
#define CARECOORD_READ_FIELD(ID, MEMBER, KIND, ABSENCE, ASOF) \
    case Field::ID:                                          \
        return read<model::Kind::KIND, model::Absence::ABSENCE, model::AsOf::ASOF>(Field::ID, index, rec, rec.MEMBER);
#define CARECOORD_READ_text CARECOORD_READ_FIELD
#define CARECOORD_READ_code CARECOORD_READ_FIELD
#define CARECOORD_READ_date CARECOORD_READ_FIELD
#define CARECOORD_READ_datetime CARECOORD_READ_FIELD
#define CARECOORD_READ_boolean CARECOORD_READ_FIELD
#define CARECOORD_READ_enumeration CARECOORD_READ_FIELD
#define CARECOORD_READ_number CARECOORD_READ_FIELD
#define CARECOORD_READ_whole_number CARECOORD_READ_FIELD
#define CARECOORD_READ_list(...)
#define CARECOORD_READ_N(...)

Value Evaluator::field(Field f, const Scratch::Element* e) {
    switch (rules::field_info(f).coll) {
        case Coll::none: {
            const std::uint32_t index = 0;
            {
                const Patient& rec = p_;
                switch (f) { CARECOORD_FIELDS_Patient(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            }
            {
                const Language& rec = p_.language;
                switch (f) { CARECOORD_FIELDS_Language(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            }
            {
                const Social& rec = p_.social;
                switch (f) { CARECOORD_FIELDS_Social(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            }
            {
                const LtcPlacement& rec = p_.ltc_placement;
                switch (f) { CARECOORD_FIELDS_LtcPlacement(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            }
            {
                const CarePlan& rec = p_.care_plan;
                switch (f) { CARECOORD_FIELDS_CarePlan(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            }
            break;
        }
        case Coll::coverage: {
            const std::uint32_t index = e->index;
            const Coverage& rec = p_.coverage[index];
            switch (f) { CARECOORD_FIELDS_Coverage(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
        case Coll::conditions: {
            const std::uint32_t index = e->index;
            const Condition& rec = p_.conditions[index];
            switch (f) { CARECOORD_FIELDS_Condition(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
        case Coll::encounters: {
            const std::uint32_t index = e->index;
            const Encounter& rec = p_.encounters[index];
            switch (f) { CARECOORD_FIELDS_Encounter(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
        case Coll::care_team: {
            const std::uint32_t index = e->index;
            const CareTeamMember& rec = p_.care_team[index];
            switch (f) { CARECOORD_FIELDS_CareTeamMember(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
        case Coll::medications: {
            const std::uint32_t index = e->index;
            const Medication& rec = p_.medications[index];
            switch (f) { CARECOORD_FIELDS_Medication(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
        case Coll::med_events: {
            const std::uint32_t index = e->index;
            const MedicationEvent& rec = p_.medications[e->parent].events[index];
            switch (f) { CARECOORD_FIELDS_MedicationEvent(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
        case Coll::observations: {
            const std::uint32_t index = e->index;
            const Observation& rec = p_.observations[index];
            switch (f) { CARECOORD_FIELDS_Observation(CARECOORD_READ_X, CARECOORD_READ_N) default: break; }
            break;
        }
    }
    return Value::unknown_value();
}

#undef CARECOORD_READ_N
#undef CARECOORD_READ_list
#undef CARECOORD_READ_whole_number
#undef CARECOORD_READ_number
#undef CARECOORD_READ_enumeration
#undef CARECOORD_READ_boolean
#undef CARECOORD_READ_datetime
#undef CARECOORD_READ_date
#undef CARECOORD_READ_code
#undef CARECOORD_READ_text
#undef CARECOORD_READ_FIELD
#undef CARECOORD_READ_X

std::int32_t Evaluator::days_of(const Value& v, bool is_datetime) const {
    return is_datetime ? static_cast<std::int32_t>(floor_div(v.i, 1440)) : static_cast<std::int32_t>(v.i);
}

Value Evaluator::shift(const Node& n, Value when, const Value& dur) {
    if (when.state != Value::known) return when;
    if (dur.state != Value::known) return dur;
    const bool in_datetime = n.left_kind == TypeKind::datetime;
    const bool out_datetime = n.type.kind == TypeKind::datetime;
    std::int64_t amount = n.negate ? -std::int64_t{dur.dur.amount} : std::int64_t{dur.dur.amount};
    std::int64_t day = in_datetime ? floor_div(when.i, 1440) : when.i;
    std::int64_t minute_of_day = in_datetime ? when.i - day * 1440 : 0;
    using U = rules::DurationUnit;
    switch (dur.dur.unit) {
        case U::minutes:
        case U::hours: {
            std::int64_t m = day * 1440 + minute_of_day + amount * (dur.dur.unit == U::hours ? 60 : 1);
            return Value::integer(m);
        }
        case U::days: day += amount; break;
        case U::weeks: day += amount * 7; break;
        case U::months: day = days(time::add_months(to_date(day), static_cast<std::int32_t>(amount))); break;
        case U::years: day = days(time::add_years(to_date(day), static_cast<std::int32_t>(amount))); break;
        case U::business_days:
            day = days(plan_.calendar.add_business_days(to_date(day), static_cast<std::int32_t>(amount)));
            break;
    }
    return Value::integer(out_datetime ? day * 1440 + minute_of_day : day);
}

Truth Evaluator::truth(std::int32_t node) {
    Value v = eval(node);
    if (v.state == Value::unknown) return unknown_truth;
    if (v.state == Value::none) return false_truth;
    return v.i ? true_truth : false_truth;
}

Value Evaluator::aggregate(const Node& n) {
    Value lv = eval(n.a);
    if (lv.state != Value::known) return lv;
    const ListRef list = lv.list;
    auto& slot = s_.scope[static_cast<std::size_t>(n.depth)];
    const Scratch::Element saved = slot;
    const rules::Type& tx = plan_.nodes[static_cast<std::size_t>(n.b)].type;
    bool any_unknown = false;
    Value best = Value::none_value();
    Value best_value = Value::none_value();
    double sum = 0;
    std::size_t distinct_begin = s_.distinct.size();
    auto less = [&](const Value& a, const Value& b) {
        return tx.kind == TypeKind::number ? a.num < b.num : a.i < b.i;
    };
    for (std::uint32_t k = 0; k < list.count; ++k) {
        slot = Scratch::Element{list.coll, s_.arena[list.offset + k], list.parent};
        switch (n.op) {
            case Op::any: {
                Truth t = truth(n.b);
                if (t == true_truth) { slot = saved; return Value::boolean(true); }
                if (t == unknown_truth) any_unknown = true;
                break;
            }
            case Op::all: {
                Truth t = truth(n.b);
                if (t == false_truth) { slot = saved; return Value::boolean(false); }
                if (t == unknown_truth) any_unknown = true;
                break;
            }
            case Op::count_distinct: {
                Value x = eval(n.b);
                if (x.state != Value::known) break;
                bool seen = false;
                for (std::size_t j = distinct_begin; j < s_.distinct.size() && !seen; ++j) {
                    const Value& y = s_.distinct[j];
                    switch (tx.kind) {
                        case TypeKind::number: seen = y.num == x.num; break;
                        case TypeKind::string:
                        case TypeKind::code: seen = y.s == x.s; break;
                        default: seen = y.i == x.i; break;
                    }
                }
                if (!seen) s_.distinct.push_back(x);
                break;
            }
            case Op::sum_list: {
                Value x = eval(n.b);
                if (x.state == Value::unknown) any_unknown = true;
                else if (x.state == Value::known) sum += x.num;
                break;
            }
            default: {  // min_list, max_list, latest, earliest
                Value x = eval(n.b);
                if (x.state == Value::unknown) { any_unknown = true; break; }
                if (x.state != Value::known) break;
                bool take_max = n.op == Op::max_list || n.op == Op::latest;
                if (best.state != Value::known || (take_max ? less(best, x) : less(x, best))) {
                    best = x;
                    if (n.c >= 0) best_value = eval(n.c);
                }
                break;
            }
        }
    }
    slot = saved;
    switch (n.op) {
        case Op::any: return any_unknown ? Value::unknown_value() : Value::boolean(false);
        case Op::all: return any_unknown ? Value::unknown_value() : Value::boolean(true);
        case Op::count_distinct: {
            auto count = s_.distinct.size() - distinct_begin;
            s_.distinct.resize(distinct_begin);
            return Value::number(static_cast<double>(count));
        }
        case Op::sum_list: return any_unknown ? Value::unknown_value() : Value::number(sum);
        default:
            // An unknown element could have been the extreme one.
            if (any_unknown) return Value::unknown_value();
            return n.c >= 0 ? best_value : best;
    }
}

bool Evaluator::eval_clean(std::int32_t node, Value& out) {
    const std::uint64_t saved_missing = missing_;
    const int saved_suppress = suppress_missing_;
    missing_ = 0;
    suppress_missing_ = 0;
    out = eval(node);
    const bool clean = out.state != Value::unknown && missing_ == 0;
    missing_ = saved_missing;
    suppress_missing_ = saved_suppress;
    return clean;
}

// Filters the join's list and sorts what is left by the key, once per evaluation. The loop
// the index replaces reads, for each element, the leading filters until one is false, then
// the other terms; so every value read here for an element the loop would also read, and
// the index is used only when all of them are clean (known or none, nothing missing): then
// the terms are two-valued and reading them has no effect, in any order or number.
void Evaluator::build_join(const rules::JoinPlan& jp, Scratch::JoinIndex& ix) {
    using State = Scratch::JoinIndex::State;
    ix.state = State::unusable;
    ix.elems.clear();
    ix.keys.clear();
    ix.values.clear();
    Value lv;
    if (!eval_clean(jp.list, lv) || lv.state != Value::known) return;
    ix.list = lv.list;
    const ListRef list = lv.list;
    const std::size_t bounds = jp.bounds.size();
    auto& slot = s_.scope[static_cast<std::size_t>(jp.depth)];
    const Scratch::Element saved = slot;
    bool ok = true;
    for (std::uint32_t k = 0; k < list.count && ok; ++k) {
        const std::uint32_t idx = s_.arena[list.offset + k];
        slot = Scratch::Element{list.coll, idx, list.parent};
        Value v;
        // The leading filters, in the loop's order: the first false one ends its reading.
        bool keep = true;
        for (std::size_t f = 0; f < jp.leading_filters && keep; ++f) {
            if (!eval_clean(jp.filters[f], v)) { ok = false; break; }
            keep = v.state == Value::known && v.i != 0;
        }
        if (!ok) break;
        if (!keep) continue;
        // Everything else the loop may read of the element, whatever the outer one is.
        for (std::size_t f = jp.leading_filters; f < jp.filters.size(); ++f) {
            if (!eval_clean(jp.filters[f], v)) { ok = false; break; }
            if (!(v.state == Value::known && v.i != 0)) keep = false;
        }
        if (!ok) break;
        Value key;
        if (!eval_clean(jp.key, key)) { ok = false; break; }
        const std::size_t first = ix.values.size();
        for (const auto& b : jp.bounds) {
            if (!eval_clean(b.inner, v)) { ok = false; break; }
            ix.values.push_back(v);
        }
        if (!ok) break;
        bool keyed_known = true, keyed_any_known = false;
        for (std::size_t b = 0; b < bounds; ++b) {
            if (!jp.bounds[b].keyed) continue;
            const Value& x = ix.values[first + b];
            if (x.state == Value::known) keyed_any_known = true;
            else keyed_known = false;
            if (x.state == Value::known && jp.bounds[b].inner_kind == TypeKind::number && std::isnan(x.num)) ok = false;
        }
        if (key.state == Value::known && jp.key_kind == TypeKind::number && std::isnan(key.num)) ok = false;
        if (!ok) break;
        if (key.state != Value::known) {
            // No key: every keyed comparison must then be none (false), so that it never matches.
            if (keyed_any_known) { ok = false; break; }
            keep = false;
        } else if (!keyed_known) {
            ok = false;
            break;
        }
        if (!keep) {
            ix.values.resize(first);
            continue;
        }
        ix.elems.push_back(idx);
        ix.keys.push_back(key);
    }
    slot = saved;
    if (!ok) return;
    // Sort by the key, stable so that equal keys keep the list's order.
    const std::size_t m = ix.elems.size();
    auto& order = s_.join_order;
    order.resize(m);
    for (std::size_t e = 0; e < m; ++e) order[e] = static_cast<std::uint32_t>(e);
    const TypeKind kk = jp.key_kind;
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return compare_known(ix.keys[a], kk, ix.keys[b], kk) < 0;
    });
    s_.join_elems.resize(m);
    s_.join_values.resize(m * bounds);
    for (std::size_t e = 0; e < m; ++e) {
        s_.join_elems[e] = ix.elems[order[e]];
        for (std::size_t b = 0; b < bounds; ++b) s_.join_values[e * bounds + b] = ix.values[order[e] * bounds + b];
    }
    ix.elems.swap(s_.join_elems);
    ix.values.swap(s_.join_values);
    // Each keyed value must rise with the key (date(), a shift by a constant duration, ...):
    // then the elements a keyed comparison accepts are a prefix, a suffix or a range.
    for (std::size_t b = 0; b < bounds; ++b) {
        if (!jp.bounds[b].keyed) continue;
        const TypeKind k = jp.bounds[b].inner_kind;
        for (std::size_t e = 1; e < m; ++e)
            if (compare_known(ix.values[(e - 1) * bounds + b], k, ix.values[e * bounds + b], k) > 0) return;
    }
    ix.state = State::ready;
}

// any() by its index, for the element in scope: the same answer as the loop, or nullopt
// when the index cannot be relied on for this patient or this element (then the loop runs).
std::optional<Value> Evaluator::any_by_index(const Node& n) {
    const auto& jp = plan_.joins[static_cast<std::size_t>(n.join)];
    auto& ix = s_.joins[static_cast<std::size_t>(n.join)];
    if (ix.state == Scratch::JoinIndex::State::unbuilt) build_join(jp, ix);
    if (ix.state != Scratch::JoinIndex::State::ready) return std::nullopt;
    // Nothing passed the filters: the loop finds no element, whatever the outer one is.
    if (ix.elems.empty()) return Value::boolean(false);
    const std::size_t base = s_.join_outer.size();
    const std::size_t bounds = jp.bounds.size();
    bool outer_false = false;
    Value v;
    for (auto t : jp.outer_terms) {
        if (!eval_clean(t, v)) { s_.join_outer.resize(base); return std::nullopt; }
        if (!(v.state == Value::known && v.i != 0)) outer_false = true;
    }
    for (const auto& b : jp.bounds) {
        if (!eval_clean(b.outer, v)) { s_.join_outer.resize(base); return std::nullopt; }
        s_.join_outer.push_back(v);
    }
    if (outer_false) { s_.join_outer.resize(base); return Value::boolean(false); }
    const std::size_t m = ix.elems.size();
    std::size_t lo = 0, hi = m;
    for (std::size_t b = 0; b < bounds && lo < hi; ++b) {
        const auto& jb = jp.bounds[b];
        if (!jb.keyed) continue;
        const Value& x = s_.join_outer[base + b];
        if (x.state != Value::known) { lo = hi; break; }  // compared with none: false
        // The first candidate at which `pred(compare(value, x))` stops holding; pred holds
        // on a prefix, as the values rise.
        auto first_not = [&](auto pred) {
            std::size_t l = 0, h = m;
            while (l < h) {
                const std::size_t mid = l + (h - l) / 2;
                if (pred(compare_known(ix.values[mid * bounds + b], jb.inner_kind, x, jb.outer_kind))) l = mid + 1;
                else h = mid;
            }
            return l;
        };
        auto below = [](int c) { return c < 0; };
        auto not_above = [](int c) { return c <= 0; };
        switch (jb.op) {
            case CmpOp::lt: hi = std::min(hi, first_not(below)); break;
            case CmpOp::le: hi = std::min(hi, first_not(not_above)); break;
            case CmpOp::gt: lo = std::max(lo, first_not(not_above)); break;
            case CmpOp::ge: lo = std::max(lo, first_not(below)); break;
            case CmpOp::eq:
                lo = std::max(lo, first_not(below));
                hi = std::min(hi, first_not(not_above));
                break;
            case CmpOp::ne: break;
        }
    }
    bool found = false;
    auto& slot = s_.scope[static_cast<std::size_t>(jp.depth)];
    const Scratch::Element saved = slot;
    for (std::size_t e = lo; e < hi && !found; ++e) {
        bool all = true;
        for (std::size_t b = 0; b < bounds && all; ++b) {
            const auto& jb = jp.bounds[b];
            if (jb.keyed) continue;
            const Value& iv = ix.values[e * bounds + b];
            const Value& x = s_.join_outer[base + b];
            if (iv.state != Value::known || x.state != Value::known) all = jb.op == CmpOp::ne;
            else all = holds(jb.op, compare_known(iv, jb.inner_kind, x, jb.outer_kind));
        }
        if (all && !jp.residual.empty()) {
            slot = Scratch::Element{ix.list.coll, ix.elems[e], ix.list.parent};
            for (auto r : jp.residual)
                if (truth(r) != true_truth) { all = false; break; }
        }
        found = all;
    }
    slot = saved;
    s_.join_outer.resize(base);
    return Value::boolean(found);
}

std::string budget_message(std::uint64_t steps) {
    return "the evaluation did more work than the limit max_evaluation_steps (" + std::to_string(steps) +
           " steps): an aggregate nested in another over long lists? (raise the limit in EngineOptions::limits)";
}

Value Evaluator::eval(std::int32_t index) {
    if (s_.steps_left == 0) throw BudgetExceeded{};
    --s_.steps_left;
    const Node& n = plan_.nodes[static_cast<std::size_t>(index)];
    switch (n.op) {
        case Op::constant: return n.k;
        case Op::fact: {
            auto& f = s_.facts[n.fact_slot()];
            if (f.state == Scratch::FactState::done) {
                if (suppress_missing_ == 0) missing_ |= f.missing;
                return f.value;
            }
            // The checker rejects cycles, so state 1 cannot be seen here. A fact records
            // what it misses even when first read inside exists(): later plain reads report it.
            f.state = Scratch::FactState::computing;
            const std::uint64_t outer = missing_;
            const int outer_suppress = suppress_missing_;
            missing_ = 0;
            suppress_missing_ = 0;
            const Scratch::Element saved_scope = s_.scope.empty() ? Scratch::Element{} : s_.scope[0];
            Value v = eval(plan_.facts[n.fact_slot()].node);
            if (!s_.scope.empty()) s_.scope[0] = saved_scope;
            auto& g = s_.facts[n.fact_slot()];
            g.value = v;
            g.missing = missing_;
            g.state = Scratch::FactState::done;
            suppress_missing_ = outer_suppress;
            missing_ = outer | (suppress_missing_ == 0 ? g.missing : 0);
            return v;
        }
        case Op::patient_field: {
            Value v = field(n.field(), nullptr);
            if (v.state == Value::unknown && suppress_missing_ == 0) {
                int bit = rules::field_info(n.field()).missing_bit;
                if (bit >= 0) missing_ |= std::uint64_t{1} << bit;
            }
            return v;
        }
        case Op::elem_field: {
            const auto& e = s_.scope[static_cast<std::size_t>(n.depth)];
            Value v = field(n.field(), &e);
            if (v.state == Value::unknown && suppress_missing_ == 0) {
                int bit = rules::field_info(n.field()).missing_bit;
                if (bit >= 0) missing_ |= std::uint64_t{1} << bit;
            }
            return v;
        }
        case Op::collection: {
            Value v;
            v.list = collection(n.collection());
            return v;
        }
        case Op::nested_events: {
            Value v;
            v.list = nested_events(s_.scope[static_cast<std::size_t>(n.depth)].index);
            return v;
        }
        case Op::as_of: return Value::integer(as_of_);
        case Op::age: return Value::number(time::whole_years_between(p_.birth_date, to_date(as_of_)));
        case Op::tier: {
            if (!tier_.known) return Value::unknown_value();
            Value v;
            v.s = tier_.tier;
            return v;
        }
        case Op::previous_tier: {
            Value v;
            if (p_.care_plan.tier) v.s = *p_.care_plan.tier;
            else if (tier_.previous_known) v.s = tier_.previous;
            else return Value::none_value();
            return v;
        }
        case Op::tier_change_day:
            // A recorded care_plan.tier is the last review's: a difference is noticed now.
            if (p_.care_plan.tier) return Value::integer(as_of_);
            if (tier_.previous_known) return Value::integer(tier_.change_day);
            return Value::none_value();
        case Op::anchor: return anchor_;
        case Op::event_time: return event_ ? Value::integer(event_->time) : Value::unknown_value();
        case Op::event_type: {
            if (!event_) return Value::unknown_value();
            Value v;
            v.s = event_->type;
            return v;
        }
        case Op::event_payload: {
            auto slot = n.payload_slot();
            return event_ && slot < event_->payload.size() ? event_->payload[slot] : Value::unknown_value();
        }
        case Op::not_: {
            Truth t = truth(n.a);
            return t == unknown_truth ? Value::unknown_value() : Value::boolean(t == false_truth);
        }
        case Op::neg: {
            Value v = eval(n.a);
            v.num = -v.num;
            return v;
        }
        case Op::and_: {
            Truth a = truth(n.a);
            if (a == false_truth) return Value::boolean(false);
            Truth b = truth(n.b);
            if (b == false_truth) return Value::boolean(false);
            if (a == unknown_truth || b == unknown_truth) return Value::unknown_value();
            return Value::boolean(true);
        }
        case Op::or_: {
            Truth a = truth(n.a);
            if (a == true_truth) return Value::boolean(true);
            Truth b = truth(n.b);
            if (b == true_truth) return Value::boolean(true);
            if (a == unknown_truth || b == unknown_truth) return Value::unknown_value();
            return Value::boolean(false);
        }
        case Op::cond: {
            Value c = eval(n.a);
            if (c.state == Value::unknown) return c;
            return (c.state == Value::known && c.i) ? eval(n.b) : eval(n.c);
        }
        case Op::cmp: {
            Value a = eval(n.a);
            Value b = eval(n.b);
            const auto op = n.cmp_op;
            if (a.state == Value::unknown || b.state == Value::unknown) return Value::unknown_value();
            if (a.state == Value::none || b.state == Value::none) return Value::boolean(op == CmpOp::ne);
            return Value::boolean(holds(op, compare_known(a, n.left_kind, b, n.right_kind)));
        }
        case Op::arith: {
            Value a = eval(n.a);
            Value b = eval(n.b);
            if (a.state == Value::unknown || b.state == Value::unknown) return Value::unknown_value();
            if (a.state == Value::none || b.state == Value::none) return Value::none_value();
            switch (n.arith_op) {
                case rules::ArithOp::add: return Value::number(a.num + b.num);
                case rules::ArithOp::sub: return Value::number(a.num - b.num);
                case rules::ArithOp::mul: return Value::number(a.num * b.num);
                default:  // div
                    if (b.num == 0) return Value::unknown_value();
                    return Value::number(a.num / b.num);
            }
        }
        case Op::date_shift: {
            Value when = eval(n.a);
            Value dur = eval(n.b);
            if (when.state == Value::unknown || dur.state == Value::unknown) return Value::unknown_value();
            return shift(n, when, dur);
        }
        case Op::in_valueset: {
            Value c = eval(n.a);
            if (c.state == Value::unknown) return c;
            if (c.state == Value::none) return Value::boolean(n.negate);
            const bool member = plan_.valuesets.contains(valueset_bits(n.a, c), n.valueset());
            return Value::boolean(member != n.negate);
        }
        case Op::in_list: {
            Value v = eval(n.a);
            if (v.state == Value::unknown) return v;
            if (v.state == Value::none) return Value::boolean(n.negate);
            const auto& list = plan_.lists[n.literal_list()];
            bool found = false;
            const auto match = n.list_match;
            if (match == rules::ListMatch::enum_mask) found = (list.enum_mask >> v.i) & 1u;
            else if (match == rules::ListMatch::strings) found = std::find(list.strings.begin(), list.strings.end(), v.s) != list.strings.end();
            else found = std::find(list.numbers.begin(), list.numbers.end(), v.num) != list.numbers.end();
            return Value::boolean(found != n.negate);
        }
        case Op::where: {
            Value lv = eval(n.a);
            if (lv.state != Value::known) return lv;
            const ListRef in = lv.list;
            // Reserve the result's slots first: the predicate may append lists of its own.
            ListRef out = in;
            out.offset = static_cast<std::uint32_t>(s_.arena.size());
            out.count = 0;
            s_.arena.resize(s_.arena.size() + in.count);
            auto& slot = s_.scope[static_cast<std::size_t>(n.depth)];
            const Scratch::Element saved = slot;
            for (std::uint32_t k = 0; k < in.count; ++k) {
                std::uint32_t idx = s_.arena[in.offset + k];
                slot = Scratch::Element{in.coll, idx, in.parent};
                if (truth(n.b) == true_truth) s_.arena[out.offset + out.count++] = idx;
            }
            slot = saved;
            Value v;
            v.list = out;
            return v;
        }
        case Op::count: {
            Value lv = eval(n.a);
            if (lv.state != Value::known) return lv;
            return Value::number(lv.list.count);
        }
        case Op::exists_list: {
            Value lv = eval(n.a);
            if (lv.state != Value::known) return Value::boolean(false);
            return Value::boolean(lv.list.count > 0);
        }
        case Op::exists_value: {
            ++suppress_missing_;
            Value v = eval(n.a);
            --suppress_missing_;
            return Value::boolean(v.state == Value::known);
        }
        case Op::any:
            if (n.join >= 0)
                if (auto r = any_by_index(n)) return *r;
            return aggregate(n);
        case Op::all: case Op::count_distinct: case Op::sum_list:
        case Op::min_list: case Op::max_list: case Op::latest: case Op::earliest:
            return aggregate(n);
        case Op::min_values:
        case Op::max_values: {
            Value best = Value::none_value();
            bool number = n.type.kind == TypeKind::number;
            for (auto arg : n.args) {
                Value v = eval(arg);
                if (v.state != Value::known) continue;
                bool better = best.state != Value::known ||
                              (n.op == Op::max_values ? (number ? v.num > best.num : v.i > best.i)
                                                      : (number ? v.num < best.num : v.i < best.i));
                if (better) best = v;
            }
            return best;
        }
        case Op::category: {
            Value c = eval(n.a);
            if (c.state != Value::known) return c.state == Value::unknown ? c : Value::none_value();
            const int cat = plan_.valuesets.category_of(valueset_bits(n.a, c), n.valueset());
            if (cat < 0) return Value::none_value();
            Value v;
            v.s = plan_.valuesets.sets()[static_cast<std::size_t>(n.valueset())].categories[static_cast<std::size_t>(cat)];
            return v;
        }
        case Op::codes: {
            Value lv = eval(n.a);
            if (lv.state != Value::known) return lv;
            std::string text;
            std::vector<std::string_view> seen;
            for (std::uint32_t k = 0; k < lv.list.count; ++k) {
                std::uint32_t idx = s_.arena[lv.list.offset + k];
                std::string_view code;
                switch (lv.list.coll) {
                    case Coll::conditions: code = p_.conditions[idx].code; break;
                    case Coll::encounters: code = p_.encounters[idx].diagnosis; break;
                    case Coll::medications: code = p_.medications[idx].code; break;
                    case Coll::observations: code = p_.observations[idx].code; break;
                    default: break;
                }
                if (code.empty() || std::find(seen.begin(), seen.end(), code) != seen.end()) continue;
                seen.push_back(code);
                if (!text.empty()) text += ", ";
                text += code;
            }
            s_.texts.push_back(std::move(text));
            Value v;
            v.s = s_.texts.back();
            return v;
        }
        case Op::days_between:
        case Op::hours_between:
        case Op::years_between: {
            Value a = eval(n.a);
            Value b = eval(n.b);
            if (a.state == Value::unknown || b.state == Value::unknown) return Value::unknown_value();
            if (a.state == Value::none || b.state == Value::none) return Value::none_value();
            if (n.op == Op::hours_between) {
                std::int64_t ma = n.left_kind == TypeKind::datetime ? a.i : a.i * 1440;
                std::int64_t mb = n.right_kind == TypeKind::datetime ? b.i : b.i * 1440;
                std::int64_t d = mb - ma;
                return Value::number(static_cast<double>(d >= 0 ? d / 60 : -((-d) / 60)));
            }
            std::int32_t da = days_of(a, n.left_kind == TypeKind::datetime);
            std::int32_t db = days_of(b, n.right_kind == TypeKind::datetime);
            if (n.op == Op::days_between) return Value::number(db - da);
            return Value::number(time::whole_years_between(to_date(da), to_date(db)));
        }
        case Op::date_of: {
            Value a = eval(n.a);
            if (a.state != Value::known) return a;
            return Value::integer(n.left_kind == TypeKind::datetime ? floor_div(a.i, 1440) : a.i);
        }
        case Op::abs_: {
            Value a = eval(n.a);
            a.num = std::fabs(a.num);
            return a;
        }
    }
    return Value::unknown_value();
}

bool Evaluator::has_coverage(std::uint64_t payer_mask) {
    ListRef all = collection(Coll::coverage);
    for (std::uint32_t k = 0; k < all.count; ++k) {
        const auto& c = p_.coverage[s_.arena[all.offset + k]];
        if (!((payer_mask >> static_cast<unsigned>(c.payer)) & 1u)) continue;
        if (!model::as_of::in_force(c, as_of_)) continue;
        return true;
    }
    return false;
}

void Evaluator::format(const Value& v, const rules::Type& t, std::string& out) {
    if (v.state == Value::unknown) { out += "unknown"; return; }
    if (v.state == Value::none) { out += "none"; return; }
    switch (t.kind) {
        case TypeKind::boolean: out += v.i ? "true" : "false"; return;
        case TypeKind::number: {
            char buf[32];
            double x = v.num;
            if (x == std::floor(x) && std::fabs(x) < 1e15) {
                auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(x));
                out.append(buf, r.ptr);
            } else {
                auto r = std::to_chars(buf, buf + sizeof buf, x);
                out.append(buf, r.ptr);
            }
            return;
        }
        case TypeKind::string:
        case TypeKind::code: out += v.s; return;
        case TypeKind::date: out += time::format_date(to_date(v.i)); return;
        case TypeKind::datetime: out += time::format_datetime(DateTime{std::chrono::minutes{v.i}}); return;
        case TypeKind::enumeration: {
            auto domain = rules::enum_domain(t.enum_id);
            out += static_cast<std::size_t>(v.i) < domain.size() ? domain[static_cast<std::size_t>(v.i)] : "?";
            return;
        }
        case TypeKind::duration: {
            static constexpr const char* units[] = {"minute", "hour", "day", "week", "month", "year", "business day"};
            out += std::to_string(v.dur.amount);
            out += ' ';
            out += units[static_cast<int>(v.dur.unit)];
            if (v.dur.amount != 1 && v.dur.amount != -1) out += 's';
            return;
        }
        case TypeKind::list: {
            bool coded = t.coll == Coll::conditions || t.coll == Coll::medications || t.coll == Coll::observations;
            if (coded) {
                std::vector<std::string_view> seen;
                for (std::uint32_t k = 0; k < v.list.count; ++k) {
                    std::uint32_t idx = s_.arena[v.list.offset + k];
                    std::string_view code = t.coll == Coll::conditions ? std::string_view(p_.conditions[idx].code)
                                          : t.coll == Coll::medications ? std::string_view(p_.medications[idx].code)
                                                                        : std::string_view(p_.observations[idx].code);
                    if (std::find(seen.begin(), seen.end(), code) != seen.end()) continue;
                    if (!seen.empty()) out += ", ";
                    seen.push_back(code);
                    out += code;
                }
                if (seen.empty()) out += "none";
            } else {
                out += std::to_string(v.list.count);
            }
            return;
        }
        default: out += "?"; return;
    }
}

std::string Evaluator::render(const rules::Template& t) {
    // Built in the scratch buffer, which keeps its capacity, then copied out at its final
    // size: one allocation per reason instead of one per growth of the string.
    std::string& out = s_.render_buffer;
    out.clear();
    for (const auto& part : t) {
        if (part.node < 0) {
            out += part.text;
            continue;
        }
        Value v = eval(part.node);
        format(v, plan_.nodes[static_cast<std::size_t>(part.node)].type, out);
    }
    return out;
}

}  // namespace carecoord::engine
