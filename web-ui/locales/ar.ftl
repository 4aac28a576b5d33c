# واجهة Parley على الويب باللغة العربية (الفصحى). فيها رسائل en.ftl نفسها بالعناصر النائبة
# نفسها (يتحقق من ذلك src/i18n/catalogue_check.rs). للعربية ست فئات جمع:
# zero وone وtwo وfew وmany وother.

language-name = العربية
language-picker-label = لغة الواجهة

## الإطار

skip-to-content = انتقل إلى المحتوى
nav-main-label = الرئيسية
my-account-prefix = حسابي:{" "}
sign-out = تسجيل الخروج
live-title = التحديثات المباشرة
live-connected = مباشر
live-connecting = جارٍ الاتصال…
live-offline = غير متصل
live-retrying = غير متصل · إعادة المحاولة بعد { $seconds } ث
connection-lost = انقطع الاتصال بالخادم. توقفت التحديثات المباشرة مؤقتًا؛ ستُعاد محاولة الاتصال بعد { $seconds } ث (المحاولة { $attempt }). قد لا يكون ما تراه محدَّثًا.
go-home = الذهاب إلى صفحتي الرئيسية
not-available-title = غير متاحة
not-available-text = هذه الصفحة ليست جزءًا من مساحة عمل { $role }.

## الصفحات: العناوين والتنقل

title-home = الرئيسية
title-login = تسجيل الدخول
title-reset-password = تعيين كلمة مرور جديدة
title-account = حسابي
title-request = طلب مترجم
title-my-call = مكالمتك
title-console = لوحة المترجم
title-floor = القاعة المباشرة
title-floor-at = القاعة في لحظة معينة
title-calls = سجل المكالمات
title-replay = التسلسل الزمني للمكالمة
title-analytics = التحليلات
title-admin = الإدارة
title-organisations = المؤسسات
title-organisation = المؤسسة
title-invoices = الفواتير
title-dispute = مكالمة مفوترة
title-not-found = الصفحة غير موجودة
nav-request = طلب مترجم
nav-console = اللوحة
nav-floor = القاعة المباشرة
nav-floor-at = القاعة في…
nav-calls = سجل المكالمات
nav-analytics = التحليلات
nav-organisations = المؤسسات
nav-invoices = الفواتير
nav-admin = الإدارة

## الأدوار

role-admin = المسؤول
role-supervisor = المشرف
role-agent = المترجم
role-analyst = المحلل
role-requester = مقدِّم الطلب

## الحالات والأنشطة والخيارات كما يسمّيها الخادم

status-new = جديدة
status-requested = مطلوبة
status-queued = في قائمة الانتظار
status-offered = معروضة
status-connected = متصلة
status-on-hold = قيد الانتظار
status-ended = منتهية
status-wrapped-up = مغلقة
status-abandoned = متروكة
status-no-interpreter-available = لا يوجد مترجم متاح
status-available = متاح
status-break = في استراحة
status-offline = غير متصل
status-away = غائب
status-idle = غير مشغول
status-ringing = يرن
status-on-call = في مكالمة
status-wrap-up = الختام
specialty-general = عام
specialty-medical = طبي
specialty-legal = قانوني
modality-video = فيديو
modality-audio = صوت
strategy-longest-idle = الأطول فراغًا
strategy-round-robin = بالتناوب
strategy-fewest-calls-today = الأقل مكالمات اليوم
strategy-best-proficiency = الأعلى كفاءة

## المدد (تصل الأرقام منسَّقة للغة)

duration-hours-minutes = { $hours } س { $minutes } د
duration-minutes-seconds = { $minutes } د { $seconds } ث
duration-seconds = { $seconds } ث

## الأخطاء والجلسة

error-network = تعذّر الوصول إلى خادم Parley. تحقّق من اتصالك؛ سنواصل المحاولة.
error-invalid-credentials = البريد الإلكتروني أو كلمة المرور غير صحيحة.
error-wrong-password = كلمة المرور الحالية غير صحيحة.
error-forbidden = لا يسمح دورك بهذا الإجراء.
error-rate-limited-for = محاولات كثيرة جدًا. حاول مرة أخرى بعد { $seconds } ث.
error-rate-limited = محاولات كثيرة جدًا. حاول مرة أخرى بعد قليل.
error-unavailable = الخدمة غير متاحة مؤقتًا. حاول مرة أخرى بعد لحظات.
session-signed-out = لقد سجّلت الخروج.
session-expired = انتهت صلاحية جلستك. يُرجى تسجيل الدخول مرة أخرى.
session-invalid = لم تعد جلستك صالحة. يُرجى تسجيل الدخول مرة أخرى.

## تسجيل الدخول

login-heading = تسجيل الدخول إلى Parley
login-tagline = مترجمون عند الطلب، بالفيديو أو بالهاتف.
login-email = البريد الإلكتروني
login-email-missing = أدخل بريدك الإلكتروني.
login-password = كلمة المرور
login-password-missing = أدخل كلمة المرور.
login-submit = تسجيل الدخول
login-busy = جارٍ تسجيل الدخول…
login-or = أو
login-sso = تسجيل الدخول الموحّد (SSO)
login-sso-failed = تعذّر تسجيل الدخول الموحّد: { $error }
login-demo-accounts = حسابات تجريبية (بيئة محلية)
login-demo-password = كلمة المرور

## كلمات مشتركة

loading = جارٍ التحميل…
dismiss = إغلاق
column-time = الوقت
column-language = اللغة
column-status = الحالة
column-talk = مدة المحادثة

## لوحة المترجم

console-my-status = حالتي
console-now = الآن:
console-since = منذ { $time }
console-calls-today = { $count ->
    [zero] لا مكالمات اليوم
    [one] مكالمة واحدة اليوم
    [two] مكالمتان اليوم
    [few] { $count } مكالمات اليوم
    [many] { $count } مكالمة اليوم
   *[other] { $count } مكالمة اليوم
}
console-set-away = عُيِّنت حالتك «غائب» بعد تفويت عروض. اجعل حالتك «متاح» عند عودتك.
console-ring-on = الرنين عند وصول عرض
console-test-ring = تجربة الرنين
console-ring-permission = يحتاج الرنين إلى إذنك لتشغيل الصوت.
console-enable-sound = تفعيل الصوت
console-load-failed = تعذّر تحميل حالتك: { $error }
console-no-skills = لا توجد لديك مهارات مسجّلة بعد، لذا لا يمكنك تلقي المكالمات. اطلب من المسؤول إضافة لغاتك.
console-idle-available = في انتظار المكالمة التالية. ترنّ العروض هنا.
console-idle-break = أنت في استراحة: لن تُعرض عليك مكالمات.
console-idle-away = أنت غائب: لن تُعرض عليك مكالمات حتى تجعل حالتك «متاح».
console-idle-offline = أنت غير متصل. اجعل حالتك «متاح» لتلقي المكالمات.
offer-incoming = مكالمة واردة
offer-expired = انتهت مهلة العرض
offer-expired-announcement = انتهت مهلة العرض.
offer-seconds-left-announcement = بقيت { $seconds } ثوانٍ للرد.
offer-seconds-left = ث متبقية للرد
offer-requested-by = طلبها { $name }
offer-queue = قائمة الانتظار { $queue }
offer-urgent = عاجل
offer-accept = قبول
offer-decline = رفض
offer-missed = لم يُرَدّ على مكالمة { $language } في الوقت المحدد فعادت إلى قائمة انتظارها.
call-heading = مكالمة { $language }
call-requester = مقدِّم الطلب { $name }
call-queue = قائمة الانتظار { $queue }
call-talking = مدة المحادثة { $duration }
call-transfer-ringing = التحويل يرنّ: يبقى المتصل معك حتى يُقبَل التحويل.
call-hold = تعليق
call-resume = استئناف
call-end = إنهاء المكالمة
call-end-confirm = هل تريد إنهاء هذه المكالمة للجميع؟
call-left-room = غادرت غرفة الفيديو
call-left-room-question = هل تريد إنهاء المكالمة للجميع أم العودة إلى الغرفة؟
call-end-for-everyone = إنهاء المكالمة
call-rejoin = العودة إلى الغرفة
transfer = تحويل
consult = استشارة أولًا
consult-complete = إتمام التحويل
consult-cancel = إلغاء الاستشارة
transfer-to = التحويل إلى
transfer-to-choose = التحويل إلى…
transfer-queues = قوائم الانتظار
transfer-nobody-free = الزملاء: لا أحد متفرغ الآن
transfer-colleagues-free = الزملاء المتفرغون الآن
transfer-choose = اختر قائمة انتظار أو زميلًا.
transfer-queue-confirm = هل تريد تحويل هذه المكالمة؟ يبقى المتصل معك حتى يقبلها مترجم من قائمة الانتظار المختارة، ثم تنتقل إلى الختام.
transfer-colleague-confirm = هل تريد تحويل هذه المكالمة إلى { $name }؟ سترنّ لديه، ويبقى المتصل معك حتى يقبلها، ثم تنتقل إلى الختام.
transfer-this-colleague = هذا الزميل
wrap-heading = الختام
wrap-about = مكالمة { $language } مع { $name } · مدة المحادثة { $duration }
wrap-about-transferred = مكالمة { $language } مع { $name } · حوّلتَها أنت
wrap-about-call = المكالمة { $id }
wrap-disposition = النتيجة
wrap-notes = ملاحظات (اختيارية)
wrap-submit = إرسال الختام
disposition-completed = مكتملة
disposition-partially-completed = مكتملة جزئيًا
disposition-no-show = لم ينضم الطرف الآخر
disposition-technical-issue = مشكلة تقنية
disposition-wrong-language = لغة خاطئة
disposition-other = أخرى
today-heading = مكالمات اليوم
today-none = لا شيء بعد.
any = أيّ
open = فتح
copy = نسخ
copied = تم النسخ
copy-label = نسخ { $label }
column-requested = وقت الطلب
column-interpreter = المترجم
column-rating = التقييم
gender-female = أنثى
gender-male = ذكر
gender-nonbinary = غير ثنائي
tags-add = إضافة
tags-remove = إزالة { $name }
tags-none = لا شيء
tags-choose = اختر…

## مقدِّم الطلب

request-load-failed = تعذّر تحميل مكالماتك: { $error }
request-active-call = لديك مكالمة { $status }.
request-open-it = فتحها
request-new = طلب جديد
request-language-hint = اللغة التي يتحدثها الطرف الآخر.
request-your-language = لغتك
request-modality = الوسيلة
request-audio-only = صوت فقط
request-specialty = التخصص
request-requirements = المتطلبات (اختيارية)
request-gender = جنس المترجم
request-certifications = الشهادات المطلوبة
request-certifications-example = مثلًا: محاكم
request-urgent = عاجل (يُخدَم أولًا)
request-submit = طلب مترجم
request-busy = جارٍ الطلب…
request-your-calls = مكالماتك
request-no-calls = لا توجد مكالمات بعد.
my-call-not-found = هذه المكالمة غير موجودة أو ليست لك.
my-call-back = العودة إلى الطلبات
my-call-requests-link = → الطلبات
my-call-cancel-confirm = هل تريد إلغاء هذا الطلب؟ ستُترك المكالمة.
my-call-cancel = إلغاء الطلب
my-call-offered = يُطلب الآن من مترجم أن يتولى مكالمتك…
my-call-queued = في انتظار مترجم…
my-call-routing = جارٍ البحث عن قائمة الانتظار المناسبة…
my-call-waiting-for = مدة الانتظار
my-call-queue = قائمة الانتظار
my-call-place = دورك
my-call-position = ترتيبك { $position } في قائمة الانتظار
my-call-queue-waiting = المكالمات المنتظرة في هذه القائمة
my-call-estimate = الانتظار المتوقع
my-call-any-moment = في أي لحظة الآن
my-call-about = نحو { $duration }
my-call-no-estimate = لا توجد بيانات كافية بعد
my-call-your-interpreter = مترجمك:
my-call-connected-ago = متصل منذ { $duration }
my-call-on-hold = علّق المترجم المكالمة. يُرجى البقاء في الغرفة.
my-call-left-room = غادرت غرفة الفيديو. لا يستطيع إنهاء المكالمة إلا المترجم.
my-call-rejoin = العودة إلى الغرفة
callback-chosen = سنعاود الاتصال بك: يبقى دورك محفوظًا. عندما يصبح مترجمك جاهزًا، ستطلب منك هذه الصفحة الانضمام.
callback-choose = عاودوا الاتصال بي بدلًا من ذلك
callback-join-now = مترجمك جاهز — انضم الآن (بقيت { $seconds } ث)
callback-join = انضمام
rating-cancelled = لقد ألغيت هذا الطلب.
rating-no-interpreter = لم يكن هناك مترجم متاح لهذا الطلب.
rating-request-again = اطلب مجددًا
rating-ended = انتهت المكالمة
rating-waited = مدة الانتظار
rating-talked = مدة المحادثة
rating-choose-stars = اختر من نجمة واحدة إلى 5 نجوم.
rating-question = ما تقييمك للمترجم؟
rating-stars = { $count ->
    [zero] لا نجوم
    [one] نجمة واحدة
    [two] نجمتان
    [few] { $count } نجوم
    [many] { $count } نجمة
   *[other] { $count } نجمة
}
rating-comment = تعليق (اختياري)
rating-send = إرسال التقييم
rating-thanks = { $count ->
    [zero] شكرًا لك — لم تمنح هذه المكالمة أي نجمة.
    [one] شكرًا لك — منحت هذه المكالمة نجمة واحدة.
    [two] شكرًا لك — منحت هذه المكالمة نجمتين.
    [few] شكرًا لك — منحت هذه المكالمة { $count } نجوم.
    [many] شكرًا لك — منحت هذه المكالمة { $count } نجمة.
   *[other] شكرًا لك — منحت هذه المكالمة { $count } نجمة.
}

## حسابي وكلمات المرور

account-signed-in-as = مسجَّل الدخول باسم
account-name = الاسم
account-role = الدور
account-change-password = تغيير كلمة المرور
account-current-password = كلمة المرور الحالية
account-new-password = كلمة المرور الجديدة
account-new-password-again = أعد كتابة كلمة المرور الجديدة
account-current-missing = أدخل كلمة المرور الحالية.
account-passwords-differ = كلمتا المرور الجديدتان مختلفتان: اكتب الكلمة نفسها مرتين.
account-password-same = كلمة المرور الجديدة هي الحالية نفسها: اختر غيرها.
account-password-changed = تم تغيير كلمة المرور. استخدمها بدءًا من تسجيل دخولك التالي.
password-at-least = { $min } أحرف على الأقل.
password-length = يجب أن يتراوح طول كلمة المرور الجديدة بين { $min } و{ $max } حرفًا.
reset-link-invalid = رابط إعادة التعيين هذا لا يعمل: إما أنه استُخدم من قبل، أو انتهت صلاحيته (تبقى الروابط صالحة 24 ساعة)، أو نُسخ ناقصًا. اطلب رابطًا جديدًا من المسؤول.
reset-link-missing = تحتاج هذه الصفحة إلى رابط إعادة التعيين كاملًا الذي أرسله إليك المسؤول (ينتهي بـ ‎#token=…‎). اطلب منه رابطًا جديدًا إن فقدته.
reset-passwords-differ = كلمتا المرور مختلفتان: اكتب الكلمة نفسها مرتين.
reset-done = تم تعيين كلمة المرور الجديدة. سجّل الدخول بها.
reset-go-to-sign-in = الذهاب إلى تسجيل الدخول
reset-works-once = يعمل الرابط مرة واحدة فقط. تعيين كلمة مرور يسجّل خروجك من كل مكان.
reset-submit = تعيين كلمة المرور
reset-busy = جارٍ التعيين…

## القاعة المباشرة وسجل المكالمات

reason-presence-lost = انقطع الاتصال
reason-missed-offers = عروض فائتة
estimate-nobody-signed-in = لم يسجّل أحد الدخول
estimate-no-service-today = لم تُخدم أي مكالمة اليوم
floor-queues = قوائم الانتظار
floor-interpreters = المترجمون
floor-calls = المكالمات
floor-presence-lost = انقطع اتصال { $name } أثناء مكالمة. المكالمة مستمرة؛ تحقّق منها.
floor-totals = إجماليات القاعة
floor-calls-waiting = المكالمات المنتظرة
floor-longest-wait = أطول انتظار
floor-free-now = المتفرغون الآن
floor-free-now-title = المترجمون المؤهلون المتاحون وغير المشغولين
floor-on-a-call = في مكالمة
floor-no-queues = لا توجد قوائم انتظار بعد.
floor-languages = اللغات
floor-waiting = في الانتظار
floor-break = استراحة
floor-service-level = مستوى الخدمة اليوم
floor-estimated-wait = الانتظار المتوقع
floor-no-interpreters = لا يوجد مترجمون بعد.
floor-for = المدة
floor-activity = النشاط
floor-call = المكالمة
floor-today = اليوم
floor-change-status = تغيير الحالة
floor-no-calls = لا توجد مكالمات منتظرة أو جارية.
floor-request = الطلب
floor-actions = الإجراءات
floor-monitor = مراقبة
floor-stop-monitoring = إيقاف المراقبة
floor-monitor-name = { $name } (مشرف)
floor-monitoring = مراقبة المكالمة { $id }
floor-earlier = عرض القاعة في وقت سابق ←
floor-calls-heading = المكالمات المنتظرة والجارية
floor-status-set = أصبحت حالة { $name } الآن: { $status }.
floor-new-status-for = الحالة الجديدة لـ { $name }
floor-set = تطبيق
floor-choose-target = اختر قائمة انتظار أو مترجمًا أولًا.
floor-requeue-confirm = هل تريد إعادة المكالمة { $id } إلى قائمة الانتظار { $name }؟
floor-transfer-queue-confirm = هل تريد تحويل المكالمة { $id } إلى قائمة الانتظار { $name }؟ ينتقل مترجمها إلى الختام.
floor-ring-confirm = هل تريد الرنين لدى { $name } من أجل المكالمة { $id }؟
floor-transfer-confirm = هل تريد تحويل المكالمة { $id } إلى { $name }؟
floor-move-done = تم: المكالمة { $id } ← { $name }.
floor-move-call = نقل المكالمة { $id }
floor-requeue-or-offer = إعادة إلى الانتظار / عرض…
floor-transfer-choose = تحويل…
floor-to-a-queue = إلى قائمة انتظار
floor-ring-interpreter = الرنين لدى مترجم متاح
floor-to-interpreter = إلى مترجم متاح
floor-go = تنفيذ
calls-intro = افتح مكالمة لإعادة عرض تسلسلها الزمني ومعرفة حالتها في أي لحظة.
calls-day = اليوم (UTC)
calls-none = لا توجد مكالمات في ذلك اليوم.
calls-wait = الانتظار
calls-replay = إعادة العرض
calls-load-more = تحميل المزيد

## التسلسل الزمني للمكالمة

yes = نعم
no = لا
replay-not-yet = لم تكن المكالمة موجودة بعد في تلك اللحظة.
replay-interpreter = المترجم { $name }
replay-organisation = المؤسسة { $name }
replay-instant = اللحظة المراد عرضها
replay-previous = ▶ الحدث السابق
replay-next = الحدث التالي ◀
replay-whole-floor = القاعة كلها في هذه اللحظة ←
replay-state-heading = المكالمة في تلك اللحظة
replay-events-so-far = الأحداث حتى الآن
replay-last-event = آخر حدث
replay-ringing-for = ترنّ لدى
replay-on-hold-since = معلّقة منذ
replay-held-so-far = مدة التعليق حتى الآن
replay-rated = قُيّمت
replay-pick = حرّك شريط التمرير أو اختر حدثًا.
replay-timeline = التسلسل الزمني ({ $count ->
    [zero] لا أحداث
    [one] حدث واحد
    [two] حدثان
    [few] { $count } أحداث
    [many] { $count } حدثًا
   *[other] { $count } حدث
})
replay-show-at-event = عرض المكالمة عند هذا الحدث
replay-by = بواسطة { $actor }
replay-details = التفاصيل
replay-back = → سجل المكالمات
event-call-requested = طُلبت المكالمة
event-call-queued = دخلت المكالمة قائمة الانتظار
event-call-offered = عُرضت المكالمة
event-offer-declined = رُفض العرض
event-offer-expired = انتهت مهلة العرض
event-offer-withdrawn = سُحب العرض
event-call-accepted = قُبلت المكالمة
event-call-held = عُلّقت المكالمة
event-call-resumed = استؤنفت المكالمة
event-call-transferred = حُوّلت المكالمة
event-transfer-requested = طُلب التحويل
event-transfer-failed = فشل التحويل
event-call-ended = انتهت المكالمة
event-call-wrapped-up = أُغلقت المكالمة
event-call-abandoned = تُركت المكالمة
event-call-overflowed = فاضت المكالمة إلى قائمة أخرى
event-no-interpreter-available = لا يوجد مترجم متاح
event-call-rated = قُيّمت المكالمة
event-call-pool-widened = وُسّعت مجموعة المترجمين
event-callback-chosen = اختير معاودة الاتصال
event-callback-offered = عُرضت معاودة الاتصال
event-requester-joined = انضم مقدِّم الطلب
event-callback-missed = فاتت معاودة الاتصال

## القاعة في لحظة معينة، المؤسسات

floor-at-heading = القاعة في لحظة معينة
floor-at-enter-instant = أدخل تاريخًا ووقتًا.
floor-at-now = الآن
floor-at-in-progress = جارية
floor-at-queue = { $queue } · { $count } في الانتظار · الأطول { $longest }
floor-at-unrouted = لم تدخل قائمة انتظار بعد
floor-at-calls-heading = المكالمات الجارية
floor-at-no-calls = لا توجد مكالمات جارية.
floor-at-since = منذ
floor-at-instant = اللحظة (بتوقيتك)
floor-at-show = عرض
floor-at-step = التنقل عبر الزمن
floor-at-back-minutes = −{ $count } د
floor-at-back-seconds = −{ $count } ث
floor-at-on-minutes = +{ $count } د
floor-at-on-seconds = +{ $count } ث
orgs-name-missing = أعطِ المؤسسة اسمًا.
orgs-created = أُنشئت { $name }.
orgs-none = لا توجد مؤسسات بعد.
orgs-policy-link = السياسة والسجل ←
orgs-open = فتح { $name }
orgs-intro = ينتمي مقدّمو الطلبات إلى مؤسسة. تفضّل سياستها مترجمين أو تستبعدهم، وتشترط شهادات في كل مكالمة تجريها.
orgs-new = مؤسسة جديدة
orgs-name = اسم المؤسسة
orgs-create = إنشاء المؤسسة
orgs-all = كل المؤسسات
policy-field-preferred = المترجمون المفضَّلون
policy-field-banned = المترجمون المستبعَدون
policy-field-certifications = الشهادات المطلوبة
policy-field-preferred-wait = مدة الانتظار المفضَّلة
policy-added = أُضيف إلى { $field }: { $names }
policy-removed = أُزيل من { $field }: { $names }
policy-someone-unknown = شخص غير معروف
policy-no-changes = لا تغييرات بعد: السياسة هي الافتراضية (لا أحد مفضَّل أو مستبعَد، ولا شهادات مطلوبة).
policy-no-change = حُفظت دون تغيير.
policy-preferred-and-banned = أزِلهم من إحدى القائمتين.
policy-unknown-agent = اختر المترجمين من القوائم مرة أخرى.
policy-load-failed = تعذّر تحميل المترجمين: { $error }
policy-wait-invalid = يجب أن تكون مدة الانتظار المفضَّلة عددًا صحيحًا من الثواني.
policy-saved = حُفظت السياسة.
policy-back = → المؤسسات
policy-heading = سياسة مقدّمي الطلبات
policy-applies = تنطبق على كل مكالمة يجريها مقدّمو الطلبات في هذه المؤسسة.
policy-preferred-hint = تُعرض عليهم المكالمات أولًا عندما يكونون متفرغين.
policy-wait-label = مدة الانتظار المفضَّلة (بالثواني)
policy-wait-hint = المدة التي تنتظرها المكالمة مترجمًا مفضَّلًا قبل أن يتولاها أي مترجم مؤهل (0–3600).
policy-banned-hint = لا تُعرض عليهم مكالمات هذه المؤسسة أبدًا، مهما اتسع نطاق البحث.
policy-certifications-hint = يجب أن يحملها كلها كل مترجم في مكالمات هذه المؤسسة.
policy-save = حفظ السياسة
policy-history = سجل السياسة

## شرح التوجيه

routing-heading = شرح التوجيه
routing-intro = هل عُرضت هذه المكالمة على مترجم؟ وإن لم تُعرض، فلماذا؟
routing-explain = اشرح
routing-choose = اختر مترجمًا.
routing-failed = تعذّر على الخادم شرح التوجيه: { $error }
routing-offered = عُرضت هذه المكالمة على { $name }.
routing-not-offered = لم تُعرض هذه المكالمة على { $name }.
routing-offered-at = عُرضت في { $time }
routing-in-queue = في { $queue }
offer-outcome-accepted = مقبول
offer-outcome-declined = مرفوض
offer-outcome-expired = منتهي المهلة
offer-outcome-withdrawn = مسحوب
routing-reason-banned-by-organisation = مستبعَد من مؤسسة المتصل
routing-reason-not-in-queue = ليس عضوًا في قائمة انتظار المكالمة
routing-reason-pair-missing = لا يملك زوج اللغتين المطلوب للمكالمة
routing-reason-proficiency-too-low = الكفاءة دون الحد الأدنى لقائمة الانتظار
routing-reason-modality-missing = لا يعمل بوسيلة المكالمة
routing-reason-specialty-missing = يفتقر إلى تخصص المكالمة
routing-reason-organisation-certification-missing = تنقصه شهادة تشترطها المؤسسة
routing-reason-certification-missing = تنقصه شهادة يشترطها الطلب
routing-reason-gender-mismatch = لا يطابق الجنس المطلوب
routing-reason-busy = مشغول بمكالمة أخرى
routing-reason-not-available = غير متاح (في استراحة أو خارج النظام)
routing-reason-widening-step-not-reached = مؤهل فقط بعد خطوة توسيع لم تبلغها المكالمة
routing-reason-another-interpreter-chosen = اختير مترجم آخر

## الفواتير ومكالمة مفوترة

invoice-month = الشهر
invoice-show = عرض الفاتورة
invoice-heading = فاتورة · { $organisation } · { $month }
invoice-currency = العملة: { $currency }
invoice-print = طباعة
invoice-when = التاريخ
invoice-billed = المفوتَر
invoice-description = الوصف
invoice-amount = المبلغ
invoice-credit-note = إشعار دائن
invoice-total = الإجمالي
dispute-timeline-failed = تعذّر تحميل التسلسل الزمني: { $error }
dispute-loading = جارٍ تحميل الفاتورة…
dispute-summary = فُوتر { $amount } مقابل { $duration } (إصدار جدول الأسعار { $version })، والصافي { $net } بعد الإشعارات الدائنة.
dispute-no-rate-card = لا يوجد
dispute-line = البند
dispute-seconds = الثواني
dispute-events = الأحداث
dispute-credit = إشعار دائن { $number }: { $reason } (بواسطة { $name })
dispute-heading = المكالمة { $id } · الفاتورة والتسلسل الزمني
dispute-bill = الفاتورة
dispute-choose-line = اختر بندًا لتمييز الأحداث التي فُوتر بناءً عليها.
dispute-timeline = التسلسل الزمني

## التحليلات

analytics-bad-range = اختر يوم بداية يسبق يوم النهاية أو يساويه.
analytics-preparing = جارٍ تجهيز التصدير…
analytics-saved = حُفظ { $file } ({ $size }).
analytics-save-failed = تعذّر حفظ الملف: { $error }
analytics-export-failed = فشل التصدير: { $error }
analytics-settings = إعدادات التقرير
analytics-group-by = التجميع حسب
analytics-interval = الفاصل الزمني
analytics-15-minutes = 15 دقيقة
analytics-hour = ساعة
analytics-day = يوم
analytics-from = من (يوم بتوقيت UTC)
analytics-to = إلى (يوم بتوقيت UTC، ضمنًا)
analytics-update = تحديث
analytics-export = تصدير المكالمات (CSV)
analytics-offered = المعروضة
analytics-answered = المُجابة
analytics-service-level = مستوى الخدمة
analytics-asa-long = متوسط سرعة الرد
analytics-aht-long = متوسط مدة المعالجة
analytics-no-activity = لا نشاط في هذه الفترة.
analytics-chart-by-group = المكالمات حسب المجموعة
analytics-chart-offered = المكالمات المعروضة في كل فاصل زمني
analytics-chart-service-level = مستوى الخدمة في كل فاصل زمني
analytics-totals = الإجماليات خلال الفترة
analytics-per-interval = حسب الفاصل الزمني ({ $count ->
    [zero] لا صفوف
    [one] صف واحد
    [two] صفّان
    [few] { $count } صفوف
    [many] { $count } صفًا
   *[other] { $count } صف
})
analytics-group = المجموعة
analytics-overflowed = الفائضة
analytics-no-interpreter = بلا مترجم
analytics-asa = م.س.ر
analytics-aht = م.م.م
analytics-abandon-rate = معدل الترك
analytics-occupancy = نسبة الإشغال

## الإدارة: التبويبات والحسابات ومفاتيح API

admin-tab-users = المستخدمون والأدوار
admin-tab-keys = مفاتيح API
admin-tab-skills = مهارات المترجمين
scope-calls-request = طلب المكالمات
scope-calls-read = قراءة المكالمات التي طلبها
scope-calls-cancel = إلغاء المكالمات التي طلبها ما دامت في الانتظار
scope-unknown = نطاق غير معروف
users-deactivated = عُطِّل حساب { $who }.
users-reactivated = أُعيد تفعيل حساب { $who }.
users-reset-issued = أُصدر رابط إعادة تعيين لـ { $who }.
users-not-yourself = لا يمكنك تعطيل حسابك.
users-accounts = الحسابات
users-reset-link-for = رابط إعادة تعيين كلمة المرور لـ { $name }
users-reset-link-send = أرسله بنفسك إلى { $email } عبر قناة تثق بها. يعمل مرة واحدة حتى { $until }، ولن يُعرض مرة أخرى.
users-reset-link = رابط إعادة التعيين
users-done = تم
users-deactivate-confirm = هل تريد تعطيل حساب { $who }؟ لن يتمكن من تسجيل الدخول، وتنتهي جلساته خلال ثانية.
users-reactivate-confirm = هل تريد إعادة تفعيل حساب { $who }؟
users-reset-confirm = هل تريد إصدار رابط إعادة تعيين كلمة المرور لـ { $who }؟ يعمل مرة واحدة خلال 24 ساعة، وتبقى كلمة مروره صالحة حتى يُستخدم.
users-active = نشط
users-deactivated-badge = معطَّل
users-you = (أنت)
users-reset-password = إعادة تعيين كلمة المرور
users-deactivate = تعطيل
users-reactivate = إعادة التفعيل
users-created = أُنشئ { $email } ({ $role }).
users-email-taken = لهذا البريد الإلكتروني حساب بالفعل.
users-new = حساب جديد
users-initial-password = كلمة المرور الأولية
users-password-hint = { $min } أحرف على الأقل. يحتاج المترجمون أيضًا إلى مهارات قبل أن يتلقوا المكالمات.
users-create = إنشاء الحساب
users-organisation-hint = يرى مقدِّم الطلب مكالمات مؤسسته، وتنطبق عليه سياستها.
keys-revoke-confirm = هل تريد إبطال مفتاح API ‏{ $name } (pk_{ $prefix }…)؟ سيُرفض التكامل الذي يستخدمه بدءًا من طلبه التالي. لا يمكن التراجع عن ذلك.
keys-revoked = أُبطل { $name }.
keys-key-for = مفتاح { $name }
keys-copy-now = انسخ هذا المفتاح الآن واحفظه في مكان آمن: لن يُعرض إلا هذه المرة. لا يحتفظ Parley إلا بملخص له؛ فإن ضاع، أنشئ مفتاحًا جديدًا وأبطل هذا.
keys-api-key = مفتاح API
keys-sent-as = يرسله التكامل بالصيغة
keys-stored = حفظت المفتاح
keys-none = لا توجد مفاتيح API بعد.
keys-key = المفتاح
keys-scopes = النطاقات
keys-created = أُنشئ في
keys-last-used = آخر استخدام
keys-revoked-badge = مُبطَل
keys-revoke = إبطال
keys-revoke-named = إبطال { $name }
keys-name-missing = سمِّ المفتاح باسم من يستخدمه (مثلًا نظام المواعيد في العيادة).
keys-scope-missing = اختر نطاقًا واحدًا على الأقل.
keys-new = مفتاح API جديد
keys-name-hint = من يستخدم المفتاح، مثلًا: نظام مواعيد العيادة.
keys-create = إنشاء المفتاح

## الإدارة: قوائم الانتظار وأعضاؤها

queues-whole-number = يجب أن يكون { $field } عددًا صحيحًا.
queues-name-missing = أعطِ قائمة الانتظار اسمًا.
queues-languages-missing = اذكر رمز لغة واحدًا على الأقل (مثلًا es أو zh).
queues-min-proficiency = الحد الأدنى للكفاءة
queues-ring-timeout = مهلة الرنين
queues-max-wait = أقصى انتظار
queues-wrap-up-time = مدة الختام
queues-sl-threshold = حد مستوى الخدمة
queues-precedence = الأولوية
queues-saved = حُفظت قائمة الانتظار { $name }.
queues-strategy = الاستراتيجية
queues-ring = الرنين
queues-max-wait-short = أقصى انتظار
queues-overflow-to = الفائض إلى
queues-sl-short = حد م.خ
queues-members = الأعضاء
queues-anyone-skilled = أي شخص يملك المهارات
queues-edit = تعديل
queues-edit-named = تعديل { $name }
queues-edit-heading = تعديل قائمة الانتظار { $name }
queues-new = قائمة انتظار جديدة
queues-languages-label = اللغات (رموز ISO مفصولة بفواصل)
queues-routing-strategy = استراتيجية التوجيه
queues-min-proficiency-label = الحد الأدنى للكفاءة (1–5)
queues-ring-timeout-label = مهلة الرنين (ث)
queues-max-wait-label = أقصى انتظار (ث)
queues-wrap-up-time-label = مدة الختام (ث)
queues-sl-threshold-label = حد مستوى الخدمة (ث)
queues-precedence-label = الأولوية (الأعلى يفوز عند التعادل)
queues-source-language-label = لغة المصدر (فارغة: الإنجليزية)
queues-save = حفظ التغييرات
queues-create = إنشاء قائمة الانتظار
queues-cancel = إلغاء
queues-widening-step = التوسيع { $number }: { $step }
widening-proficiency = الكفاءة { $level } فما فوق
widening-any-specialty = أي تخصص
widening-requirements-dropped = إسقاط متطلبات الطلب
widening-also-queue = مترجمو { $queue } أيضًا
widening-no-change = بلا تغيير
widening-after = بعد { $duration }: { $changes }
members-saved = حُفظ أعضاء { $name }: { $count ->
    [0] أي شخص يملك المهارات.
    [zero] أي شخص يملك المهارات.
    [one] مترجم واحد.
    [two] مترجمان.
    [few] { $count } مترجمين.
    [many] { $count } مترجمًا.
   *[other] { $count } مترجم.
}
members-heading = أعضاء { $name }
members-intro = المترجمون الذين يجوز لهم تلقي مكالمات هذه القائمة. إن لم يُحدَّد أحد، جاز ذلك لكل من يملك المهارات المطلوبة.
members-loading = جارٍ تحميل المترجمين…
members-none = لا توجد حسابات مترجمين بعد.
members-save = حفظ الأعضاء

## الإدارة: مهارات المترجمين وأزواج اللغات والتوسيع والملف الشخصي

skills-language-missing = أضف لغة أو زوج لغات واحدًا على الأقل.
skills-modality-missing = اختر وسيلة واحدة على الأقل.
skills-saved = حُفظت المهارات.
skills-modalities = الوسائل
skills-none-yet = لا شيء بعد
skills-edit = تعديل المهارات
skills-heading = المهارات
skills-languages-legend = اللغات ومستوى الكفاءة (1–5)
skills-language-n = اللغة { $number }
skills-proficiency-n = الكفاءة في اللغة { $number }
skills-remove-language = إزالة اللغة { $number }
skills-remove = إزالة
skills-add-language = + إضافة لغة
skills-specialties = التخصصات
skills-certifications = الشهادات
skills-certifications-example = مثلًا: محاكم، طب
skills-save = حفظ المهارات
widening-after-invalid = خطوة التوسيع { $number }: يجب أن تكون قيمة «بعد» عددًا صحيحًا من الثواني.
widening-proficiency-invalid = خطوة التوسيع { $number }: يجب أن تكون الكفاءة من 1 إلى 5.
widening-legend = توسيع مجموعة المترجمين
widening-hint = خطوات تخفّف شروط من يجوز له تلقي مكالمة منتظرة، كلٌّ منها بعد انتظار أطول. تحتفظ المكالمة الموسَّعة بمكانها في قائمة الانتظار.
widening-none = لا توسيع: تبقى المجموعة كما تحددها قائمة الانتظار.
widening-step-n = خطوة التوسيع { $number }
widening-step-short = الخطوة { $number }
widening-after-label = بعد (ث)
widening-lower-proficiency = خفض الكفاءة إلى
widening-drop-specialty = إسقاط التخصص
widening-drop-requirements = إسقاط المتطلبات
widening-add-queue = إضافة قائمة انتظار
widening-remove-step = إزالة خطوة التوسيع { $number }
widening-add-step = + إضافة خطوة توسيع
pairs-both-languages = زوج اللغات { $number }: أدخل اللغتين كلتيهما.
pairs-legend = أزواج اللغات (غير الإنجليزية)، الكفاءة 1–5
pairs-pair-n = زوج اللغات { $number }
pairs-from = الزوج { $number }: من
pairs-to = الزوج { $number }: إلى
pairs-proficiency = الزوج { $number }: الكفاءة
pairs-remove = إزالة زوج اللغات { $number }
pairs-add = + إضافة زوج لغات
profile-saved = حُفظ الملف الشخصي.
profile-heading = الملف الشخصي لـ { $name }
profile-gender = الجنس
profile-not-stated = غير مذكور
profile-gender-hint = يُراعى عندما يطلب الطلب جنسًا معينًا للمترجم.
profile-save = حفظ الملف الشخصي

## غرفة الفيديو وشارات التوسيع

room-unavailable = غرفة المكالمة غير متاحة: { $error }
room-open-failed = تعذّر فتح غرفة الفيديو من { $domain }: { $error }
room-unknown-error = خطأ غير معروف
room-script-missing = برنامج غرفة الفيديو غير موجود في الصفحة.
room-monitoring-muted = مراقبة · صامتة
room-joined = منضم
room-opening = جارٍ فتح الغرفة…
room-label = غرفة الفيديو
widened-title = وُسّعت مجموعة المترجمين لهذه المكالمة بخطوات التوسيع في قائمة الانتظار؛ وهي تحتفظ بمكانها.
widened-badge = وُسّعت إلى الخطوة { $step }
widened-text = وُسّعت إلى الخطوة { $step } في { $queue }
copy-refused = لم يسمح المتصفح بالنسخ: النص محدد، اضغط Ctrl+C ‏(⌘C).
room-name = الغرفة
room-on = على
guests-title = الضيوف
guests-name = اسم الضيف
guests-invite = دعوة ضيف
guests-link-for = رابط { $name }
guests-remove = إزالة { $name }
guests-removed = أُزيل { $name }؛ لم يعد الرابط صالحًا.
title-guest = الانضمام إلى مكالمة
guest-joined-as = أنت في المكالمة باسم { $name }.
guest-leave = مغادرة المكالمة
guest-left = غادرت المكالمة.
guest-removed = أُزلت من المكالمة.
guest-expired = انتهت صلاحية هذا الرابط. اطلب رابطًا جديدًا.
guest-call-over = انتهت المكالمة.
guest-link-invalid = هذا الرابط غير صالح.
media-failed-title = الفيديو لا يعمل
media-not-joined = لم تُفتح غرفة الفيديو خلال 20 ثانية.
media-device-refused = رُفض الوصول إلى الكاميرا أو الميكروفون أو أنهما غير متاحين.
media-retry = أعد المحاولة
media-audio-only = المتابعة بالصوت فقط
media-dial-in = أو اتصل هاتفيًا:
media-dial-in-pin = الرمز
media-requeue = إنهاء دوري وإعادة المكالمة إلى قائمة الانتظار
media-requeued = عادت المكالمة إلى قائمة الانتظار لمترجم آخر.
media-requeue-failed = تعذّرت إعادة المكالمة إلى قائمة الانتظار: { $error }
floor-barge-in = التدخل
floor-barged-in = أنت تتحدث في هذه المكالمة.
error-http-status = أجاب الخادم بالرمز { $status }
error-unparsed = تعذّر تحليل ردّ الخادم: { $error }
floor-at-as-of = حتى { $time } · { $count ->
    [zero] لم يُعَد تشغيل أي حدث
    [one] أُعيد تشغيل حدث واحد
    [two] أُعيد تشغيل حدثين
    [few] أُعيد تشغيل { $count } أحداث
    [many] أُعيد تشغيل { $count } حدثًا
   *[other] أُعيد تشغيل { $count } حدث
}

## التحليلات: التفصيل والاتجاهات وملفات CSV (issue 20)
analytics-what-if = ماذا لو…
analytics-trend = عبر الزمن، حسب المجموعة
analytics-metric = المقياس
analytics-drill-hint = اختر رقمًا لعرض المكالمات التي يتكوّن منها.
analytics-csv-totals = تنزيل CSV (المجاميع)
analytics-csv-intervals = تنزيل CSV (حسب الفاصل الزمني)
metric-service-level = مستوى الخدمة
metric-asa = متوسط سرعة الرد (ث)
metric-aht = متوسط وقت المعالجة (ث)
metric-abandonment-rate = معدل التخلي
metric-occupancy = الإشغال (المترجمون)
metric-offered = المكالمات المعروضة
drill-title = { $metric } — { $group } في { $at }
drill-call = المكالمة
drill-no-call = (بلا مكالمة)
drill-answered-in-time = أُجيب عنها في الوقت
drill-offered-less-short = المعروضة ناقص حالات التخلي القصيرة
drill-wait-s = الانتظار (ث)
drill-handle-s = المحادثة والتعليق والإنهاء (ث)
drill-handled = المُعالَجة
drill-abandoned-late = المتروكة بعد 5 ث
drill-busy-s = مشغول (ث)
drill-logged-in-s = متصل (ث)
drill-count = { $count ->
    [zero] لا مكالمات
    [one] مكالمة واحدة
    [two] مكالمتان
    [few] { $count } مكالمات
    [many] { $count } مكالمةً
   *[other] { $count } مكالمة
}
drill-sum = { $calls }. المجموع: { $numerator }
drill-sum-ratio = { $calls }. المجموع: { $numerator } / { $denominator } = { $value }
drill-csv = تنزيل CSV (المكالمات وراء الرقم)
drill-close = إغلاق

## ماذا لو (issue 20)
title-what-if = ماذا لو
what-if-intro = أعد تمرير طلبات فترة سابقة عبر الموجّه بإعدادات أو أعداد موظفين أخرى، وقارن المقاييس بما حدث فعلًا. لا يصل شيء إلى القاعة المباشرة.
what-if-settings = إعدادات المحاكاة
what-if-from = من
what-if-to = إلى
what-if-bad-instant = { $field }: اختر تاريخًا ووقتًا
what-if-bad-staffing = { $queue }: يجب أن يكون عدد المترجمين المضافين عددًا صحيحًا
what-if-bad-ring = { $queue }: يجب أن تكون مهلة الرنين عددًا من الثواني
what-if-changes = التغييرات لكل طابور (اتركها فارغة للإبقاء)
what-if-queue = الطابور
what-if-staffing = المترجمون المضافون (أو المحذوفون، بالسالب)
what-if-ring-timeout = مهلة الرنين (ث)
what-if-strategy = استراتيجية التوجيه
what-if-staffing-of = المترجمون المضافون إلى { $queue }
what-if-ring-timeout-of = مهلة الرنين في { $queue }
what-if-strategy-of = استراتيجية التوجيه في { $queue }
what-if-unchanged = دون تغيير
what-if-replay = محاكاة
what-if-replaying = جارٍ المحاكاة… { $done }
what-if-failed = فشلت المحاكاة: { $error }
what-if-all-queues = كل الطوابير
what-if-per-queue = لكل طابور
what-if-metric = المقياس
what-if-actual = الفعلي
what-if-csv-total = تنزيل CSV (كل الطوابير)
what-if-csv-queues = تنزيل CSV (لكل طابور)
what-if-asa-chart = متوسط سرعة الرد (ث): الفعلي والمحاكى
what-if-sl-actual = مستوى الخدمة (الفعلي)
what-if-sl-simulated = مستوى الخدمة (المحاكى)
what-if-asa-actual = متوسط سرعة الرد (الفعلي)
what-if-asa-simulated = متوسط سرعة الرد (المحاكى)
what-if-abandoned-actual = المتروكة (الفعلي)
what-if-abandoned-simulated = المتروكة (المحاكى)
