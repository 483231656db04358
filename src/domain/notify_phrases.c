/* Notification wording in English, Hindi and Kannada (see notify_phrases.h). Hindi and
 * Kannada are written the way people speak to a city service: everyday words, with the
 * English loanwords in common use (पिकअप / ಪಿಕಪ್, स्लॉट / ಸ್ಲಾಟ್, ऐप / ಆ್ಯಪ್). The words of
 * each event live with the module that emits it (notify_events.h); these are the words all
 * events share. A new language needs a table here and words in every event's declaration;
 * the unit test renders every event in every language. */
#include <string.h>

#include "domain/notify_phrases.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- English ---- */

static const struct notify_phrases en = {
    .locale = "en",
    .lang = NOTIFY_LANG_EN,
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
    .lang = NOTIFY_LANG_HI,
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
    .lang = NOTIFY_LANG_KN,
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
