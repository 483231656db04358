/* Notification wording in English, Hindi and Kannada (see notify_phrases.h). Hindi and
 * Kannada are written the way people speak to a city service: everyday words, with the
 * English loanwords in common use (पिकअप / ಪಿಕಪ್, स्लॉट / ಸ್ಲಾಟ್, ऐप / ಆ್ಯಪ್). A new
 * event needs a row in every table; the unit test renders every event in every language. */
#include <string.h>

#include "domain/notify_phrases.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- English ---- */

static const struct notify_event_phrases en_events[] = {
    {"submitted", "Pickup request submitted",
     "We received your {what} request. We will confirm a collection slot soon.", NULL},
    {"scheduled", "Pickup scheduled", "Your {what} is scheduled for {slot}.",
     "Your {what} is scheduled."},
    {"rescheduled", "Pickup rescheduled", "Your {what} has moved to {slot}.",
     "Your {what} has been rescheduled."},
    {"cancelled", "Pickup cancelled", "Your {what} request was cancelled.", NULL},
    {"enroute", "Crew on the way", "The collection crew is on the way to your {what}.", NULL},
    {"onsite", "Crew has arrived", "The collection crew has arrived for your {what}.", NULL},
    {"collecting", "Collection in progress", "The crew is collecting your waste ({what}).", NULL},
    {"collected", "Waste collected", "Your waste has been collected ({what}).", NULL},
    {"handover", "Handed over for recycling",
     "Your waste ({what}) was handed over to the recycling facility.", NULL},
    {"verification", "Verification in progress", "Your {what} is being verified by our staff.",
     NULL},
    {"failed", "Pickup could not be completed", "We could not complete your {what}.", NULL},
    {"waitlist_offer", "A seat is free for your pickup",
     "A seat freed up in {slot} for your {what}.", "A seat freed up for your {what}."},
    {"disputed", "Pickup disputed",
     "A resident reports that their {what} was not collected. Reschedule or close the request.",
     NULL},
    {"completed", "Pickup completed", "Your {what} is complete.", NULL},
    {"reminder", "Pickup reminder",
     "Reminder: your {what} is scheduled for {slot}. Please have the waste ready.",
     "Reminder: your {what} is coming up. Please have the waste ready."},
};

static const struct notify_phrases en = {
    .locale = "en",
    .events = en_events,
    .n_events = N(en_events),
    .categories = NULL, /* English names the category as the API does: "e-waste pickup" */
    .n_categories = 0,
    .what_cat = "{cat} pickup",
    .what_plain = "pickup",
    .reason = " Reason: {reason}",
    .failed_tail = " Please book a new slot in the app.",
    .points_one = " You earned {points} point.",
    .points_other = " You earned {points} points.",
    .thanks = " Thank you for recycling!",
    .deadline_open = " You can change or cancel it until {deadline}.",
    .deadline_closed = " Changes and cancellation closed at {deadline}.",
    .offer_hold = " It is held for you until {expires}: accept it in the app.",
    .offer_no_expiry = " Accept it in the app before it passes to the next in line.",
    .hello_name = "Hello {name}",
    .hello = "Hello",
    .view_request = "View your request",
    .footer_text = "SWMRA, Smart Waste Management & Recycling Assistant\r\n"
		   "You get this email because email notifications are on in your profile.",
    .footer_html = "SWMRA, Smart Waste Management &amp; Recycling Assistant. You get this "
		   "email because email notifications are on in your profile.",
    .weekdays = NULL,
    .months = NULL,
};

/* clang-format counts bytes, not columns, and does not settle on lines of Devanagari or
 * Kannada: the Hindi and Kannada tables are laid out by hand. */
/* clang-format off */

/* ---- Hindi ---- */

static const struct notify_event_phrases hi_events[] = {
    {"submitted", "पिकअप का अनुरोध मिल गया",
     "हमें आपके {what_obl} का अनुरोध मिल गया है। हम जल्द ही पिकअप का समय पक्का करेंगे।", NULL},
    {"scheduled", "पिकअप का समय तय", "आपका {what} {slot} के लिए तय हो गया है।",
     "आपका {what} तय हो गया है।"},
    {"rescheduled", "पिकअप का समय बदला", "आपका {what} अब {slot} पर होगा।",
     "आपके {what_obl} का समय बदल दिया गया है।"},
    {"cancelled", "पिकअप रद्द", "आपके {what_obl} का अनुरोध रद्द कर दिया गया है।", NULL},
    {"enroute", "टीम रास्ते में है", "कचरा उठाने वाली टीम आपके {what_obl} के लिए रास्ते में है।", NULL},
    {"onsite", "टीम पहुँच गई है", "कचरा उठाने वाली टीम आपके {what_obl} के लिए पहुँच गई है।", NULL},
    {"collecting", "कचरा उठाया जा रहा है", "टीम आपका कचरा उठा रही है ({what})।", NULL},
    {"collected", "कचरा उठा लिया गया", "आपका कचरा उठा लिया गया है ({what})।", NULL},
    {"handover", "रीसाइक्लिंग के लिए सौंपा गया", "आपका कचरा ({what}) रीसाइक्लिंग केंद्र को सौंप दिया गया है।",
     NULL},
    {"verification", "जाँच चल रही है", "हमारा स्टाफ़ आपके {what_obl} की जाँच कर रहा है।", NULL},
    {"failed", "पिकअप नहीं हो सका", "हम आपका {what} पूरा नहीं कर सके।", NULL},
    {"waitlist_offer", "आपके पिकअप के लिए जगह खाली है", "{slot} में आपके {what_obl} के लिए एक जगह खाली हुई है।", "आपके {what_obl} के लिए एक जगह खाली हुई है।"},
    {"disputed", "पिकअप पर आपत्ति", "एक निवासी ने बताया है कि उनका {what} नहीं उठाया गया। अनुरोध का नया समय तय करें या उसे बंद करें।", NULL},
    {"completed", "पिकअप पूरा हुआ", "आपका {what} पूरा हो गया है।", NULL},
    {"reminder", "पिकअप की याद", "याद रहे: आपका {what} {slot} के लिए तय है। कृपया कचरा तैयार रखें।",
     "याद रहे: आपका {what} जल्द ही है। कृपया कचरा तैयार रखें।"},
};

static const struct notify_category_name hi_categories[] = {
    {"organic", "गीले कचरे का पिकअप", "गीले कचरे के पिकअप"},
    {"recyclable", "रीसाइकिल होने वाले कचरे का पिकअप", "रीसाइकिल होने वाले कचरे के पिकअप"},
    {"hazardous", "खतरनाक कचरे का पिकअप", "खतरनाक कचरे के पिकअप"},
    {"e-waste", "ई-कचरे का पिकअप", "ई-कचरे के पिकअप"},
    {"bulk", "बड़े सामान का पिकअप", "बड़े सामान के पिकअप"},
    {"other", "पिकअप", "पिकअप"},
};

static const char *const hi_weekdays[] = {"रवि", "सोम", "मंगल", "बुध", "गुरु", "शुक्र", "शनि"};
static const char *const hi_months[] = {"जनवरी", "फ़रवरी", "मार्च",  "अप्रैल",  "मई",   "जून",
					"जुलाई",	 "अगस्त",  "सितंबर", "अक्तूबर", "नवंबर", "दिसंबर"};

static const struct notify_phrases hi = {
    .locale = "hi",
    .events = hi_events,
    .n_events = N(hi_events),
    .categories = hi_categories,
    .n_categories = N(hi_categories),
    .what_cat = "पिकअप",
    .what_plain = "पिकअप",
    .reason = " कारण: {reason}",
    .failed_tail = " कृपया ऐप में नया स्लॉट बुक करें।",
    .points_one = " आपको {points} अंक मिला।",
    .points_other = " आपको {points} अंक मिले।",
    .thanks = " रीसाइक्लिंग के लिए धन्यवाद!",
    .deadline_open = " आप इसे {deadline} तक बदल या रद्द कर सकते हैं।",
    .deadline_closed = " बदलाव और रद्द करने का समय {deadline} को खत्म हो गया।",
    .offer_hold = " यह जगह {expires} तक आपके लिए रखी गई है: ऐप में इसे स्वीकार करें।",
    .offer_no_expiry = " अगले व्यक्ति को जाने से पहले ऐप में इसे स्वीकार करें।",
    .hello_name = "नमस्ते {name}",
    .hello = "नमस्ते",
    .view_request = "अपना अनुरोध देखें",
    .footer_text = "SWMRA, स्मार्ट कचरा प्रबंधन और रीसाइक्लिंग सहायक\r\n"
		   "आपको यह ईमेल इसलिए मिला क्योंकि आपकी प्रोफ़ाइल में ईमेल सूचनाएँ चालू हैं।",
    .footer_html = "SWMRA, स्मार्ट कचरा प्रबंधन और रीसाइक्लिंग सहायक। आपको यह ईमेल इसलिए "
		   "मिला क्योंकि आपकी प्रोफ़ाइल में ईमेल सूचनाएँ चालू हैं।",
    .weekdays = hi_weekdays,
    .months = hi_months,
};

/* ---- Kannada ---- */

static const struct notify_event_phrases kn_events[] = {
    {"submitted", "ಪಿಕಪ್ ವಿನಂತಿ ತಲುಪಿದೆ", "ನಿಮ್ಮ {what} ವಿನಂತಿ ನಮಗೆ ತಲುಪಿದೆ. ಶೀಘ್ರದಲ್ಲೇ ಪಿಕಪ್ ಸಮಯವನ್ನು ಖಚಿತಪಡಿಸುತ್ತೇವೆ.",
     NULL},
    {"scheduled", "ಪಿಕಪ್ ಸಮಯ ನಿಗದಿಯಾಗಿದೆ", "ನಿಮ್ಮ {what} ಸಮಯ ನಿಗದಿಯಾಗಿದೆ: {slot}.", "ನಿಮ್ಮ {what} ಸಮಯ ನಿಗದಿಯಾಗಿದೆ."},
    {"rescheduled", "ಪಿಕಪ್ ಸಮಯ ಬದಲಾಗಿದೆ", "ನಿಮ್ಮ {what} ಸಮಯ ಬದಲಾಗಿದೆ. ಹೊಸ ಸಮಯ: {slot}.",
     "ನಿಮ್ಮ {what} ಸಮಯ ಬದಲಾಗಿದೆ."},
    {"cancelled", "ಪಿಕಪ್ ರದ್ದಾಗಿದೆ", "ನಿಮ್ಮ {what} ವಿನಂತಿ ರದ್ದಾಗಿದೆ.", NULL},
    {"enroute", "ತಂಡ ದಾರಿಯಲ್ಲಿದೆ", "ಕಸ ಸಂಗ್ರಹ ತಂಡ ನಿಮ್ಮ ಬಳಿಗೆ ಬರುತ್ತಿದೆ ({what}).", NULL},
    {"onsite", "ತಂಡ ತಲುಪಿದೆ", "ಕಸ ಸಂಗ್ರಹ ತಂಡ ನಿಮ್ಮ ಸ್ಥಳಕ್ಕೆ ತಲುಪಿದೆ ({what}).", NULL},
    {"collecting", "ಕಸ ಸಂಗ್ರಹ ನಡೆಯುತ್ತಿದೆ", "ತಂಡ ನಿಮ್ಮ ಕಸವನ್ನು ಸಂಗ್ರಹಿಸುತ್ತಿದೆ ({what}).", NULL},
    {"collected", "ಕಸ ಸಂಗ್ರಹಿಸಲಾಗಿದೆ", "ನಿಮ್ಮ ಕಸವನ್ನು ಸಂಗ್ರಹಿಸಲಾಗಿದೆ ({what}).", NULL},
    {"handover", "ಮರುಬಳಕೆಗೆ ಹಸ್ತಾಂತರಿಸಲಾಗಿದೆ", "ನಿಮ್ಮ ಕಸವನ್ನು ({what}) ಮರುಬಳಕೆ ಘಟಕಕ್ಕೆ ಹಸ್ತಾಂತರಿಸಲಾಗಿದೆ.", NULL},
    {"verification", "ಪರಿಶೀಲನೆ ನಡೆಯುತ್ತಿದೆ", "ನಮ್ಮ ಸಿಬ್ಬಂದಿ ನಿಮ್ಮ {what} ಪರಿಶೀಲಿಸುತ್ತಿದ್ದಾರೆ.", NULL},
    {"failed", "ಪಿಕಪ್ ಪೂರ್ಣಗೊಳ್ಳಲಿಲ್ಲ", "ನಿಮ್ಮ {what} ಪೂರ್ಣಗೊಳಿಸಲು ನಮಗೆ ಆಗಲಿಲ್ಲ.", NULL},
    {"waitlist_offer", "ನಿಮ್ಮ ಪಿಕಪ್‌ಗೆ ಸ್ಥಳ ಖಾಲಿಯಾಗಿದೆ", "ನಿಮ್ಮ {what}: {slot} ಸಮಯದಲ್ಲಿ ಒಂದು ಸ್ಥಳ ಖಾಲಿಯಾಗಿದೆ.", "ನಿಮ್ಮ {what}: ಒಂದು ಸ್ಥಳ ಖಾಲಿಯಾಗಿದೆ."},
    {"disputed", "ಪಿಕಪ್ ಕುರಿತು ದೂರು", "ತಮ್ಮ {what} ಸಂಗ್ರಹಿಸಲಾಗಿಲ್ಲ ಎಂದು ಒಬ್ಬ ನಿವಾಸಿ ತಿಳಿಸಿದ್ದಾರೆ. ವಿನಂತಿಯನ್ನು ಮರುನಿಗದಿ ಮಾಡಿ ಅಥವಾ ಮುಚ್ಚಿ.", NULL},
    {"completed", "ಪಿಕಪ್ ಪೂರ್ಣಗೊಂಡಿದೆ", "ನಿಮ್ಮ {what} ಪೂರ್ಣಗೊಂಡಿದೆ.", NULL},
    {"reminder", "ಪಿಕಪ್ ನೆನಪೋಲೆ", "ನೆನಪಿರಲಿ: ನಿಮ್ಮ {what} ಸಮಯ {slot}. ದಯವಿಟ್ಟು ಕಸವನ್ನು ಸಿದ್ಧವಾಗಿಡಿ.",
     "ನೆನಪಿರಲಿ: ನಿಮ್ಮ {what} ಹತ್ತಿರದಲ್ಲಿದೆ. ದಯವಿಟ್ಟು ಕಸವನ್ನು ಸಿದ್ಧವಾಗಿಡಿ."},
};

static const struct notify_category_name kn_categories[] = {
    {"organic", "ಹಸಿ ಕಸದ ಪಿಕಪ್", "ಹಸಿ ಕಸದ ಪಿಕಪ್"},
    {"recyclable", "ಮರುಬಳಕೆಯ ಕಸದ ಪಿಕಪ್", "ಮರುಬಳಕೆಯ ಕಸದ ಪಿಕಪ್"},
    {"hazardous", "ಅಪಾಯಕಾರಿ ಕಸದ ಪಿಕಪ್", "ಅಪಾಯಕಾರಿ ಕಸದ ಪಿಕಪ್"},
    {"e-waste", "ಇ-ತ್ಯಾಜ್ಯದ ಪಿಕಪ್", "ಇ-ತ್ಯಾಜ್ಯದ ಪಿಕಪ್"},
    {"bulk", "ದೊಡ್ಡ ವಸ್ತುಗಳ ಪಿಕಪ್", "ದೊಡ್ಡ ವಸ್ತುಗಳ ಪಿಕಪ್"},
    {"other", "ಪಿಕಪ್", "ಪಿಕಪ್"},
};

static const char *const kn_weekdays[] = {"ಭಾನು", "ಸೋಮ", "ಮಂಗಳ", "ಬುಧ", "ಗುರು", "ಶುಕ್ರ", "ಶನಿ"};
static const char *const kn_months[] = {"ಜನವರಿ", "ಫೆಬ್ರವರಿ", "ಮಾರ್ಚ್",   "ಏಪ್ರಿಲ್",   "ಮೇ",    "ಜೂನ್",
					"ಜುಲೈ", "ಆಗಸ್ಟ್",	 "ಸೆಪ್ಟೆಂಬರ್", "ಅಕ್ಟೋಬರ್", "ನವೆಂಬರ್", "ಡಿಸೆಂಬರ್"};

static const struct notify_phrases kn = {
    .locale = "kn",
    .events = kn_events,
    .n_events = N(kn_events),
    .categories = kn_categories,
    .n_categories = N(kn_categories),
    .what_cat = "ಪಿಕಪ್",
    .what_plain = "ಪಿಕಪ್",
    .reason = " ಕಾರಣ: {reason}",
    .failed_tail =
	" ದಯವಿಟ್ಟು ಆ್ಯಪ್‌ನಲ್ಲಿ ಹೊಸ ಸ್ಲಾಟ್ "
	"ಬುಕ್ "
	"ಮಾಡಿ.",
    .points_one = " ನಿಮಗೆ {points} ಅಂಕ ಸಿಕ್ಕಿದೆ.",
    .points_other = " ನಿಮಗೆ {points} ಅಂಕಗಳು ಸಿಕ್ಕಿವೆ.",
    .thanks = " ಮರುಬಳಕೆಗಾಗಿ ಧನ್ಯವಾದಗಳು!",
    .deadline_open = " {deadline} ವರೆಗೆ ನೀವು ಇದನ್ನು ಬದಲಾಯಿಸಬಹುದು ಅಥವಾ ರದ್ದುಗೊಳಿಸಬಹುದು.",
    .deadline_closed = " ಬದಲಾವಣೆ ಮತ್ತು ರದ್ದತಿಯ ಅವಧಿ {deadline} ಕ್ಕೆ ಮುಗಿದಿದೆ.",
    .offer_hold = " ಈ ಸ್ಥಳವನ್ನು {expires} ವರೆಗೆ ನಿಮಗಾಗಿ ಕಾಯ್ದಿರಿಸಲಾಗಿದೆ: ಆ್ಯಪ್‌ನಲ್ಲಿ ಸ್ವೀಕರಿಸಿ.",
    .offer_no_expiry = " ಮುಂದಿನವರಿಗೆ ಹೋಗುವ ಮೊದಲು ಆ್ಯಪ್‌ನಲ್ಲಿ ಸ್ವೀಕರಿಸಿ.",
    .hello_name = "ನಮಸ್ಕಾರ {name}",
    .hello = "ನಮಸ್ಕಾರ",
    .view_request = "ನಿಮ್ಮ ವಿನಂತಿ ನೋಡಿ",
    .footer_text = "SWMRA, ಸ್ಮಾರ್ಟ್ ಕಸ ನಿರ್ವಹಣೆ ಮತ್ತು ಮರುಬಳಕೆ ಸಹಾಯಕ\r\n"
		   "ನಿಮ್ಮ ಪ್ರೊಫೈಲ್‌ನಲ್ಲಿ ಇಮೇಲ್ ಸೂಚನೆಗಳು "
		   "ಆನ್ "
		   "ಆಗಿರುವುದರಿಂದ "
		   "ಈ "
		   "ಇಮೇಲ್ "
		   "ಬಂದಿದೆ.",
    .footer_html = "SWMRA, ಸ್ಮಾರ್ಟ್ ಕಸ ನಿರ್ವಹಣೆ ಮತ್ತು ಮರುಬಳಕೆ ಸಹಾಯಕ. ನಿಮ್ಮ "
		   "ಪ್ರೊಫೈಲ್‌ನಲ್ಲಿ "
		   "ಇಮೇಲ್ ಸೂಚನೆಗಳು ಆನ್ ಆಗಿರುವುದರಿಂದ ಈ ಇಮೇಲ್ ಬಂದಿದೆ.",
    .weekdays = kn_weekdays,
    .months = kn_months,
};

/* clang-format on */

const struct notify_phrases *notify_phrases_for(const char *locale)
{
	if (locale && strcmp(locale, "hi") == 0)
		return &hi;
	if (locale && strcmp(locale, "kn") == 0)
		return &kn;
	return &en;
}
