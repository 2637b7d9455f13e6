package dev.detour.plugin.cache.semantic;

import java.util.List;

/**
 * A small labelled set: pairs of questions that deserve the same answer (paraphrases) and pairs
 * that must not share one (look-alikes: one number, name, opposite word or negation apart, or a
 * different question about the same thing).
 */
final class Labelled {
    record Pair(String a, String b, boolean same) {
    }

    private Labelled() {
    }

    static final List<Pair> PARAPHRASES = List.of(
            new Pair("How do I reset my password?", "What is the way to reset my password?", true),
            new Pair("How can I change my email address?", "How do I update my email address?", true),
            new Pair("What are your opening hours?", "When are you open?", true),
            new Pair("How do I cancel my subscription?", "How can I cancel my subscription?", true),
            new Pair("Where can I download my invoice?", "Where do I download my invoice?", true),
            new Pair("Can I get a refund for my order?", "Is it possible to get a refund for my order?", true),
            new Pair("How long does shipping take?", "How long does delivery take?", true),
            new Pair("What is the capital of France?", "What's the capital city of France?", true),
            new Pair("Explain what a hash table is.", "Can you explain what a hash table is?", true),
            new Pair("How do I enable two-factor authentication?", "How can I turn on two-factor authentication?", true),
            new Pair("Write a haiku about autumn.", "Compose a haiku about autumn.", true),
            new Pair("Translate 'good morning' into Spanish.", "How do you say 'good morning' in Spanish?", true),
            new Pair("What is the refund policy?", "What's your refund policy?", true),
            new Pair("Summarize the benefits of exercise.", "Give me a summary of the benefits of exercise.", true),
            new Pair("How do I refill prescription 123?", "How can I refill prescription 123?", true),
            new Pair("Is the store open on Sunday?", "Are you open on Sundays?", true),
            new Pair("What's the difference between TCP and UDP?", "How does TCP differ from UDP?", true),
            new Pair("My package hasn't arrived yet.", "My package has not arrived yet.", true),
            new Pair("How do I delete my account?", "How can I delete my account?", true),
            new Pair("What time is it in Tokyo?", "What is the current time in Tokyo?", true),
            new Pair("how do i reset my password", "How do I reset my password?", true),
            new Pair("What payment methods do you accept?", "Which payment methods do you accept?", true),
            new Pair("I forgot my password, what should I do?", "What should I do if I forgot my password?", true),
            new Pair("Do you ship to Canada?", "Can you ship to Canada?", true));

    static final List<Pair> LOOK_ALIKES = List.of(
            new Pair("How do I refill prescription 123?", "How do I refill prescription 124?", false),
            new Pair("How do I enable two-factor authentication?", "How do I disable two-factor authentication?", false),
            new Pair("What is the capital of France?", "What is the capital of Germany?", false),
            new Pair("Convert 10 miles to kilometers.", "Convert 100 miles to kilometers.", false),
            new Pair("Is the store open on Sunday?", "Is the store open on Monday?", false),
            new Pair("How do I add a user to the team?", "How do I remove a user from the team?", false),
            new Pair("What is the weather in Paris today?", "What is the weather in London today?", false),
            new Pair("Cancel order 5521.", "Cancel order 5512.", false),
            new Pair("Should I take ibuprofen with food?", "Should I not take ibuprofen with food?", false),
            new Pair("What is the population of France?", "What is the capital of France?", false),
            new Pair("How do I increase the font size?", "How do I decrease the font size?", false),
            new Pair("Book a table for 2 people at 7pm.", "Book a table for 4 people at 7pm.", false),
            new Pair("What is 15% of 80?", "What is 15% of 90?", false),
            new Pair("Lock the front door.", "Unlock the front door.", false),
            new Pair("Who wrote Hamlet?", "Who wrote Macbeth?", false),
            new Pair("Is my payment due before the 5th?", "Is my payment due after the 5th?", false),
            new Pair("Translate 'good morning' into Spanish.", "Translate 'good morning' into French.", false),
            new Pair("How do I reset my password?", "How do I reset my username?", false),
            new Pair("What's the price of the iPhone 15?", "What's the price of the iPhone 14?", false),
            new Pair("Can I bring my dog on the plane?", "Can I bring my cat on the plane?", false),
            new Pair("Send the report to Alice.", "Send the report to Bob.", false),
            new Pair("Set an alarm for 6 am.", "Set an alarm for 7 am.", false),
            new Pair("Turn on the lights in the kitchen.", "Turn off the lights in the kitchen.", false),
            new Pair("What is the boiling point of water in Fahrenheit?", "What is the boiling point of water in Celsius?", false),
            new Pair("Show me flights from Boston to Denver.", "Show me flights from Denver to Boston.", false),
            new Pair("Is it safe to drink tap water?", "Is it unsafe to drink tap water?", false),
            new Pair("refill prescription 123", "refill prescription 124", false),
            new Pair("How do I upgrade my plan?", "How do I downgrade my plan?", false),
            new Pair("What is the maximum file size?", "What is the minimum file size?", false),
            new Pair("How do I cancel my subscription?", "How do I pause my subscription?", false),
            new Pair("Is the museum open on weekdays?", "Is the museum closed on weekdays?", false),
            new Pair("List the symptoms of the flu.", "List the symptoms of a cold.", false));
}
