// Walks a compiled Plan against one patient at one as-of date.
//
// The evaluator owns no memory of its own: everything it needs per evaluation lives in a
// Scratch that the caller keeps per thread and reuses, so that evaluation allocates nothing
// once the scratch has grown to the size of the largest patient seen.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "carecoord/engine.hpp"
#include "carecoord/patient.hpp"
#include "model/patient_schema.hpp"
#include "rules/plan.hpp"

namespace carecoord::engine {

using rules::Coll;
using rules::Plan;
using rules::Value;

struct Scratch {
    struct Element {
        Coll coll = Coll::none;
        std::uint32_t index = 0;
        std::uint32_t parent = 0;
    };
    enum class FactState : std::uint8_t { pending, computing, done };
    struct FactSlot {
        FactState state = FactState::pending;
        Value value;
        std::uint64_t missing = 0;
    };
    std::vector<std::uint32_t> arena;  // list element indices
    std::vector<Element> scope;
    std::vector<FactSlot> facts;
    std::array<rules::ListRef, 8> base{};
    std::array<bool, 8> base_ready{};
    // Value-set bits of each coded field's elements, looked up once per evaluation.
    std::array<std::vector<std::uint64_t>, 4> code_bits;
    std::array<std::vector<std::uint8_t>, 4> code_done;
    // The table the bits above were looked up in, while the Evaluators of one
    // Engine::evaluate may share them (the rulesets in force compiled equal tables); nullptr
    // otherwise. Engine::evaluate clears it when it starts on a patient.
    const rules::ValueSetTable* codes_table = nullptr;
    std::vector<Value> distinct;
    std::vector<std::uint64_t> lookup_bits;  // value-set bits of a code looked up on the spot
    // The sorted indexes of the plan's joins (rules::JoinPlan), built on first use.
    struct JoinIndex {
        enum class State : std::uint8_t { unbuilt, ready, unusable };
        State state = State::unbuilt;
        rules::ListRef list;
        std::vector<std::uint32_t> elems;  // the candidates, sorted by the key
        std::vector<Value> keys;
        std::vector<Value> values;         // per candidate, the inner side of each bound
    };
    std::vector<JoinIndex> joins;
    std::vector<Value> join_outer;            // outer sides of the joins being answered (a stack)
    std::vector<std::uint32_t> join_order;    // sorting
    std::vector<std::uint32_t> join_elems;
    std::vector<Value> join_values;
    std::deque<std::string> texts;  // strings made during evaluation (codes())
    std::string render_buffer;      // Evaluator::render builds a reason here
    // The evaluation's work budget (RulesetLimits::max_evaluation_steps): set by whoever
    // starts an evaluation, shared by the Evaluators of its plans, not reset per plan.
    std::uint64_t steps_left = RulesetLimits{}.max_evaluation_steps;

    // `shared_codes`: keep the code bits when they were looked up in that table for this
    // patient (see codes_table); nullptr: look every code up afresh.
    void reset(const Plan& plan, const Patient& patient, const rules::ValueSetTable* shared_codes);
};

// Thrown by Evaluator::eval when the budget is spent; the entry points turn it into E0504.
struct BudgetExceeded : std::exception {
    const char* what() const noexcept override { return "the evaluation exceeded max_evaluation_steps"; }
};

// The message of E0504 for a budget of `steps`.
std::string budget_message(std::uint64_t steps);

// The workflow event an expression may read (`event.time`, `event.type`, `event.payload.x`).
struct EventInput {
    std::int64_t time = 0;           // minutes since 1970-01-01, wall clock
    std::string_view type;
    std::vector<Value> payload;      // by the event's declared payload slot; unknown when absent
};

// This thread's scratch area, made on its first use. Built on the heap behind a pointer
// rather than as a thread_local object: a thread_local whose construction throws
// (std::bad_alloc) is left marked as constructed (GCC sets the init guard first), so a later
// evaluation would use an object never built. Here a failed allocation leaves the pointer
// empty, the caller reports out of memory, and the next call tries again. Not reentrant:
// one evaluation at a time per thread.
Scratch& thread_scratch();

// A boolean as the rules see it: three-valued. Unscoped, with the values -1/0/1, so that
// callers written against the former `int truth()` keep compiling.
enum Truth : int { unknown_truth = -1, false_truth = 0, true_truth = 1 };

struct TierInput {
    bool known = false;
    std::string_view tier;
    // The engine's own tier the day before the newest change, used as previous_tier when the
    // document records no care_plan.tier; change_day is that newest change (days since 1970).
    bool previous_known = false;
    std::string_view previous;
    std::int32_t change_day = 0;
};

class Evaluator {
public:
    // `shared_codes` (Engine::evaluate only): the canonical table of the plan's value sets, so
    // that the code lookups of one patient are shared by every plan with an equal table.
    Evaluator(const Plan& plan, const Patient& patient, Date as_of, Scratch& scratch, TierInput tier,
              const rules::ValueSetTable* shared_codes = nullptr);

    Value eval(std::int32_t node);
    // Evaluates a boolean (a none boolean is false).
    Truth truth(std::int32_t node);

    std::uint64_t missing() const { return missing_; }
    void clear_missing() { missing_ = 0; }
    void set_anchor(Value v) { anchor_ = v; }
    void set_event(const EventInput* e) { event_ = e; }
    // Safe between rules: tier rules cannot read `tier`, so no fact memoized before it was set used it.
    void set_tier(TierInput t) { tier_ = t; }
    const TierInput& tier_input() const { return tier_; }

    // Appends a value as a reason shows it.
    void format(const Value& v, const rules::Type& t, std::string& out);
    std::string render(const rules::Template& t);

    // Coverage in force at as_of whose payer is in the mask.
    bool has_coverage(std::uint64_t payer_mask);

    static void missing_names(std::uint64_t mask, std::vector<std::string>& out);

private:
    using Field = rules::Field;
    Value field(Field f, const Scratch::Element* elem);
    rules::ListRef collection(Coll c);
    rules::ListRef nested_events(std::uint32_t medication);
    const std::uint64_t* code_bits(Field f, std::uint32_t index);
    // The value-set bits of `code`, the known value of node `code_node`.
    const std::uint64_t* valueset_bits(std::int32_t code_node, const Value& code);
    Value code_value(Field f, std::uint32_t index);
    template <model::Kind K, model::Absence A, model::AsOf R, class Rec, class M>
    Value read(Field f, std::uint32_t index, const Rec& rec, const M& member);
    template <model::Kind K, model::Absence A, model::AsOf R, class Rec, class M>
    Value read_value(const Rec& rec, const M& member) const;
    std::int32_t days_of(const Value& v, bool is_datetime) const;
    Value shift(const rules::Node& n, Value when, const Value& dur);
    Value aggregate(const rules::Node& n);
    std::optional<Value> any_by_index(const rules::Node& n);
    void build_join(const rules::JoinPlan& jp, Scratch::JoinIndex& ix);
    // Evaluates with missing data counted afresh: false when the value is unknown or
    // reading it reported missing data (then the value is not to be relied on).
    bool eval_clean(std::int32_t node, Value& out);
    bool visible(Coll c, std::uint32_t parent, std::uint32_t i) const;

    const Plan& plan_;
    const Patient& p_;
    std::int32_t as_of_;
    Scratch& s_;
    TierInput tier_;
    Value anchor_ = Value::none_value();
    const EventInput* event_ = nullptr;
    std::uint64_t missing_ = 0;
    int suppress_missing_ = 0;
};

}  // namespace carecoord::engine
